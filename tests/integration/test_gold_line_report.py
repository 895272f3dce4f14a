"""The hand-worked Gold Line example of docs/report-method.md §7a gives exactly its documented
figures in every format (JSON, CSV tables, CSV long, FHIR, HTML, PDF), on SQLite and
PostgreSQL; suppressed, no small count or share made from one is shown; the hub-wide report
gives each commissioner its own section."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.auth.service import user_principal
from hub.clock import FakeClock
from hub.palliative.register import PalliativeService
from hub.reports.engine import ReportService
from hub.reports.gold_line import NATIONAL_SOURCE, PREFERENCE_RULE
from hub.reports.hub_wide import hub_wide
from hub.reports.render import render
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Person
from schemas.palliative import DeathCorrection
from schemas.reports import SMALL, MonthlyReport, MonthlyReportQuery, ReportFormat
from support.gold_line import (
    CALLS_COUNT,
    DEATHS_BY_PLACE,
    DEATHS_COUNT,
    HOSPITAL,
    IN_HOSPITAL,
    IN_PREFERRED,
    MONTH,
    NOT_STATED,
    OUTCOME_SHARES,
    OUTCOMES,
    PEOPLE_SUPPORTED,
    PLACE_KNOWN,
    PREFERRED,
    STATED,
    WITH_OUTCOME,
    load_gold_line_example,
)
from support.reports import read_tables
from support.world import NOW, World

BASE = "https://hub.example/"


def _service(db: Database, *, suppress: bool) -> ReportService:
    settings = HubSettings(environment="test", report_suppress_small_numbers=suppress)
    return ReportService(db, FakeClock(NOW), settings)


async def _report(db: Database, *, suppress: bool = False) -> MonthlyReport:
    """As for a commissioner with a data-sharing agreement (small numbers shown), so the
    hand-worked figures can be read; ``suppress`` as by default."""
    query = MonthlyReportQuery(month=MONTH, commissioner="QAA")
    return await _service(db, suppress=suppress).monthly(SYSTEM, query)


@pytest.fixture
async def example(db: Database, world: World) -> MonthlyReport:
    await load_gold_line_example(db)
    return await _report(db)


def _out(report: MonthlyReport, format: ReportFormat) -> str:
    return render(report, format, base_url=BASE).decode()


def _pdf_text(report: MonthlyReport, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (make test installs it)"
    pdf = tmp_path / "gold_line.pdf"
    pdf.write_bytes(render(report, ReportFormat.PDF, base_url=BASE))
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _populations(group: dict[str, Any]) -> dict[str, Any]:
    return {p["code"]["coding"][0]["code"]: p.get("count") for p in group["population"]}


async def test_the_gold_line_example_gives_the_documented_figures_in_every_format(
    example: MonthlyReport, tmp_path: Path
) -> None:
    # JSON
    g = json.loads(_out(example, ReportFormat.JSON))["gold_line"]
    assert (g["calls"], g["calls_with_outcome"], g["calls_without_outcome"]) == (
        CALLS_COUNT,
        WITH_OUTCOME,
        CALLS_COUNT - WITH_OUTCOME,
    )
    assert {o["code"]: o["count"] for o in g["outcomes"]} == OUTCOMES  # every code, in order
    assert {o["code"]: o["share"] for o in g["outcomes"]} == OUTCOME_SHARES
    assert g["people_supported"] == PEOPLE_SUPPORTED
    assert g["deaths"] == DEATHS_COUNT
    assert {d["code"]: d["count"] for d in g["deaths_by_place"]} == DEATHS_BY_PLACE
    assert (g["deaths_with_stated_preference"], g["deaths_without_stated_preference"]) == (
        STATED,
        NOT_STATED,
    )
    assert g["deaths_in_preferred_place"] == IN_PREFERRED and g["preferred_place"] == PREFERRED
    assert (g["deaths_place_known"], g["deaths_in_hospital"]) == (PLACE_KNOWN, IN_HOSPITAL)
    assert g["hospital"] == HOSPITAL
    assert g["national_hospital_share"] == 0.44 and g["national_source"] == NATIONAL_SOURCE
    assert g["preference_rule"] == PREFERENCE_RULE

    # CSV tables: the month's figures, a row per outcome, a row per place of death.
    tables = read_tables(_out(example, ReportFormat.CSV))
    (row,) = tables["gold_line"]
    assert (row["calls"], row["people_supported"], row["deaths"]) == ("12", "7", "8")
    assert (row["deaths_in_preferred_place"], row["deaths_with_stated_preference"]) == ("3", "6")
    assert [row[f"preferred_place_{k}"] for k in ("share", "lower", "upper")] == [
        "0.5",
        "0.1876",
        "0.8124",
    ]
    assert (row["deaths_in_hospital"], row["deaths_place_known"]) == ("3", "7")
    assert [row[f"hospital_{k}"] for k in ("share", "lower", "upper")] == [
        "0.4286",
        "0.1582",
        "0.7495",
    ]
    assert row["national_hospital_share"] == "0.44" and "ONS/OHID" in row["national_source"]
    assert {r["outcome"]: int(r["calls"]) for r in tables["gold_line_outcomes"]} == OUTCOMES
    assert {r["place"]: int(r["deaths"]) for r in tables["gold_line_deaths"]} == DEATHS_BY_PLACE

    # CSV, one figure per row.
    long = list(csv.DictReader(io.StringIO(_out(example, ReportFormat.CSV_LONG))))
    figures = {r["item"]: r["value"] for r in long if r["section"] == "gold_line"}
    assert figures["outcomes.resolved_by_hub.count"] == "4"
    assert figures["outcomes.hospice.share"] == "0.0909"
    assert figures["deaths_by_place.unknown.count"] == "1"
    assert figures["preferred_place.lower"] == "0.1876"

    # FHIR MeasureReport groups.
    fhir = json.loads(_out(example, ReportFormat.FHIR))
    groups = {gr["code"]["coding"][0]["code"]: gr for gr in fhir["group"]}
    calls = groups["gold-line-calls"]
    assert _populations(calls) == {"initial-population": 12, "numerator": 11}
    by_outcome = {
        s["value"]["coding"][0]["code"]: s["population"][0]["count"]
        for s in calls["stratifier"][0]["stratum"]
    }
    assert by_outcome == OUTCOMES
    assert _populations(groups["gold-line-people"]) == {"initial-population": 7}
    preferred = groups["gold-line-death-in-preferred-place"]
    assert _populations(preferred) == {"initial-population": 8, "denominator": 6, "numerator": 3}
    assert preferred["measureScore"]["value"] == 0.5
    hospital = groups["gold-line-death-in-hospital"]
    assert _populations(hospital) == {"initial-population": 8, "denominator": 7, "numerator": 3}
    assert hospital["measureScore"]["value"] == 0.4286
    places = {
        s["value"]["coding"][0]["code"]: s["population"][0]["count"]
        for s in hospital["stratifier"][0]["stratum"]
    }
    assert places == DEATHS_BY_PLACE

    # The page (HTML) and the PDF's text.
    html = _out(example, ReportFormat.HTML)
    assert (
        '<tr class="nhsuk-table__row" data-outcome="resolved_by_hub">'
        '<th class="nhsuk-table__header" scope="row">Resolved by the hub alone</th>'
        '<td class="nhsuk-table__cell">4</td><td class="nhsuk-table__cell">36.4%</td></tr>'
    ) in html
    assert (
        "12 Gold Line calls (11 with an outcome recorded, 1 without), supporting 7 people" in html
    )
    preferred_text = "3 of 6 with a stated preference: 50.0% (95% CI 18.8% to 81.2%)"
    hospital_text = "3 of 7 with the place known: 42.9% (95% CI 15.8% to 75.0%); nationally 44.0%"
    assert preferred_text in html and hospital_text in html
    assert "left out of that denominator" in html and "ONS/OHID" in html
    text = _pdf_text(example, tmp_path)
    assert "The Gold Line: calls, people supported and deaths" in text
    assert "supporting 7 people" in text
    assert preferred_text in text and hospital_text in text
    assert "attributes it to ONS/OHID" in text


async def test_suppressed_the_section_shows_no_small_count_nor_a_share_made_from_one(
    db: Database, world: World, tmp_path: Path
) -> None:
    """Suppression on (the default): §7a says what is shown."""
    await load_gold_line_example(db)
    report = await _report(db, suppress=True)
    g = report.model_dump(mode="json")["gold_line"]
    counts = [v for k, v in g.items() if k.startswith(("calls", "people", "deaths")) and v != []]
    counts += [o["count"] for o in g["outcomes"]] + [d["count"] for d in g["deaths_by_place"]]
    assert [v for v in counts if isinstance(v, int) and 1 <= v <= 7] == []
    assert g["deaths"] == DEATHS_COUNT  # 8 is shown, and no part of it can be worked out
    assert g["people_supported"] == SMALL and g["deaths_in_preferred_place"] == SMALL
    # 13 calls = 12 gold_line + 1 own_home, so the 12 is withheld, here and by channel.
    assert g["calls"] == "*"
    assert {c.code: c.count for c in report.calls.by_channel}["gold_line"] == "*"
    # 12 = 11 with an outcome + 1 without, so the 11 is withheld too.
    assert (g["calls_with_outcome"], g["calls_without_outcome"]) == ("*", SMALL)
    assert all(o["share"] is None for o in g["outcomes"])
    assert g["preferred_place"] == g["hospital"] == dict.fromkeys(("share", "lower", "upper"))
    assert {"gold_line.preferred_place", "gold_line.hospital"} <= set(report.disclosure.withheld)

    tables = read_tables(_out(report, ReportFormat.CSV))
    assert tables["gold_line"][0]["people_supported"] == SMALL
    assert tables["gold_line"][0]["preferred_place_share"] == ""
    fhir = json.loads(_out(report, ReportFormat.FHIR))
    groups = {gr["code"]["coding"][0]["code"]: gr for gr in fhir["group"]}
    preferred = groups["gold-line-death-in-preferred-place"]
    assert _populations(preferred) == {
        "initial-population": 8,
        "denominator": None,
        "numerator": None,
    }
    assert "measureScore" not in preferred
    html = _out(report, ReportFormat.HTML)
    assert "&lt;8 of &lt;8 with a stated preference: —" in html
    assert "with a stated preference: —" in _pdf_text(report, tmp_path)


@pytest.mark.parametrize("suppress", [False, True])
async def test_the_hub_wide_report_gives_each_commissioner_its_gold_line_section(
    db: Database, world: World, suppress: bool
) -> None:
    await load_gold_line_example(db)
    service = _service(db, suppress=suppress)
    hub = await hub_wide(service, SYSTEM, MONTH)
    by_code = {r.commissioner: r for r in hub.reports}
    own = await service.monthly(SYSTEM, MonthlyReportQuery(month=MONTH, commissioner="QAA"))
    assert own.gold_line is not None and by_code["QAA"].gold_line == own.gold_line
    other = by_code["QBB"].gold_line  # P10 at home B: one call (G14), one death in hospital
    assert other is not None
    if not suppress:
        assert (other.calls, other.people_supported, other.deaths) == (1, 1, 1)
        assert other.hospital.share == 1.0 and other.preferred_place.share == 0.0


async def test_an_area_without_gold_line_activity_has_no_section(
    db: Database, world: World
) -> None:
    report = await _report(db)
    assert report.gold_line is None
    assert "table: gold_line" not in _out(report, ReportFormat.CSV)
    assert "gold-line" not in _out(report, ReportFormat.FHIR)


async def test_a_corrected_death_counts_once_and_as_corrected(db: Database, world: World) -> None:
    """P02 died in hospital on 12 October; the record is corrected to home (her preferred
    place). The report counts the correction, and P02 once."""
    await load_gold_line_example(db)
    async with db.session() as s:
        (p02,) = (await s.exec(select(Person).where(Person.nhs_number == "9434766028"))).all()
    nurse = user_principal(world.nurse).scope
    register = PalliativeService(db, FakeClock(NOW))
    await register.correct_death(
        nurse,
        p02.id or 0,
        DeathCorrection(
            died_on=date(2026, 10, 12), place="home", base_version=1, reason="place misread"
        ),
    )
    g = (await _report(db)).gold_line
    assert g is not None
    assert g.deaths == DEATHS_COUNT  # P02 once, not once per version
    by_place = {d.code: d.count for d in g.deaths_by_place}
    assert (by_place["home"], by_place["hospital"]) == (
        DEATHS_BY_PLACE["home"] + 1,
        DEATHS_BY_PLACE["hospital"] - 1,
    )
    assert (g.deaths_in_preferred_place, g.deaths_with_stated_preference) == (
        IN_PREFERRED + 1,
        STATED,
    )
    assert (g.deaths_in_hospital, g.deaths_place_known) == (IN_HOSPITAL - 1, PLACE_KNOWN)
