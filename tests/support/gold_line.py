"""The hand-worked Gold Line example of docs/report-method.md §7a: ten people on the palliative
register (eight at commissioner A's own-home service VGOLD, one at home A, one at commissioner
B's home B), their Gold Line calls with outcomes and their deaths, loaded through the real
imports where one exists (sites, register, deaths) and the figures October 2026 must show."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from hub.clock import FakeClock, london_month
from hub.imports.service import ImportService
from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, Organisation, Person
from schemas.imports import ImportKind

from .reports import DATA, run_import
from .world import NOW

SITES = DATA / "gold_line_sites.csv"
PEOPLE = DATA / "gold_line_people.csv"
REGISTER = DATA / "gold_line_register.csv"  # imported on 15 September 2026
REGISTER_AFTER = DATA / "gold_line_register_after.csv"  # imported on 2 November, after
DEATHS = DATA / "gold_line_deaths.csv"
CALLS = DATA / "gold_line_calls.csv"
FIRST_IMPORT = datetime.fromisoformat("2026-09-15T10:00:00+00:00")
MONTH = "2026-10"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


async def _import(db: Database, kind: ImportKind, path: Path, at: datetime) -> None:
    service = ImportService(db, FakeClock(at), HubSettings(environment="test"))
    summary = await service.run(SYSTEM, kind, path)
    assert summary.written, summary.errors


async def load_gold_line_example(db: Database) -> None:
    """The example's site, people, register (two imports), deaths and calls."""
    summary = await run_import(db, ImportKind.SITES, SITES)
    assert summary.written, summary.errors
    async with db.session() as s:
        sites = {o.ods_code: o for o in (await s.exec(select(Organisation))).all()}
        for n, row in enumerate(_rows(PEOPLE)):
            s.add(
                rows.resident(
                    sites[row["site_ods"]],
                    nhs_number=row["nhs_number"],
                    given_name="Gold",
                    family_name=f"Line{n + 1:02d}",
                    date_of_birth=NOW.date().replace(year=1940),
                    at=FIRST_IMPORT,
                )
            )
    await _import(db, ImportKind.REGISTER, REGISTER, FIRST_IMPORT)
    await _import(db, ImportKind.REGISTER, REGISTER_AFTER, NOW)
    await _import(db, ImportKind.DEATHS, DEATHS, NOW)
    async with db.session() as s:
        people = {
            (p.site_id, p.nhs_number): p.id
            for p in (await s.exec(select(Person).where(col(Person.id).is_not(None)))).all()
        }
        for row in _rows(CALLS):
            site = sites[row["site_ods"]]
            started = datetime.fromisoformat(row["started_at"])
            s.add(
                Call(
                    id=str(uuid.uuid4()),
                    external_id=row["call"],
                    site_id=site.id or 0,
                    person_id=people.get((site.id or 0, row["nhs_number"])),
                    channel=row["channel"],
                    reason="end_of_life_symptoms",
                    home_intent="unknown",
                    state=row["state"],
                    started_at=started,
                    local_month=london_month(started),
                    disposition=row["disposition"] or None,
                    gold_line_outcome=row["gold_line_outcome"] or None,
                    source="import",
                )
            )


# What docs/report-method.md §7a works out by hand for commissioner A (QAA), October 2026.
CALLS_COUNT = 12  # G01-G12 (G13 is November, G14 commissioner B's, G15 an own_home call)
WITH_OUTCOME = 11  # G11 was abandoned
OUTCOMES = {
    "resolved_by_hub": 4,  # G01 G06 G07 G10
    "district_nurses": 2,  # G02 G08
    "gp_or_out_of_hours": 1,  # G05
    "hospice": 1,  # G04
    "ambulance": 1,  # G03
    "other": 2,  # G09 G12
}
OUTCOME_SHARES = {
    "resolved_by_hub": 0.3636,
    "district_nurses": 0.1818,
    "gp_or_out_of_hours": 0.0909,
    "hospice": 0.0909,
    "ambulance": 0.0909,
    "other": 0.1818,
}
PEOPLE_SUPPORTED = 7  # P01 P02 P03 P04 P05 P08 P09 (G12 carries no person)
DEATHS_COUNT = 8  # P01-P08 (P09 died in November, P10 is commissioner B's)
DEATHS_BY_PLACE = {
    "home": 2,
    "care_home": 1,
    "hospice": 1,
    "hospital": 3,
    "other": 0,
    "unknown": 1,
}
STATED, NOT_STATED, IN_PREFERRED = 6, 2, 3
PREFERRED = {"share": 0.5, "lower": 0.1876, "upper": 0.8124}
PLACE_KNOWN, IN_HOSPITAL = 7, 3
HOSPITAL = {"share": 0.4286, "lower": 0.1582, "upper": 0.7495}
