"""The hand-worked example of docs/report-method.md: three CSV files imported into the
test world (commissioner A's home A, plus a residential home, an own-home service and a
comparison home), and the counts the method says October 2026 must show."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

from hub.clock import FakeClock
from hub.imports.service import ImportService
from hub.reports.engine import ReportService
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM, Scope
from schemas.imports import ImportKind, ImportSummary
from schemas.reports import MonthlyReport, MonthlyReportQuery

from .world import NOW

DATA = Path(__file__).parent.parent / "data" / "reports"
SITES, CALLS, ACTIVITY = (
    DATA / "worked_sites.csv",
    DATA / "worked_calls.csv",
    DATA / "worked_activity.csv",
)
MONTH = "2026-10"
MEASURES = ("ambulance", "ed_attendance", "admission", "gp_contact")
FIELDS = ("claimed", "confirmed", "unverified", "refuted")


async def run_import(
    db: Database, kind: ImportKind, path: Path, *, skip_invalid: bool = False
) -> ImportSummary:
    service = ImportService(db, FakeClock(NOW), HubSettings(environment="test"))
    return await service.run(SYSTEM, kind, path, skip_invalid=skip_invalid)


async def load_worked_example(db: Database) -> None:
    for kind, path in (
        (ImportKind.SITES, SITES),
        (ImportKind.CALLS, CALLS),
        (ImportKind.ACTIVITY, ACTIVITY),
    ):
        summary = await run_import(db, kind, path)
        assert summary.written, summary.errors


# What docs/report-method.md works out by hand for commissioner A (QAA), October 2026.
AVOIDED = {
    "ambulance": {"claimed": 6, "confirmed": 3, "unverified": 1, "refuted": 2},
    "ed_attendance": {"claimed": 6, "confirmed": 4, "unverified": 1, "refuted": 1},
    "admission": {"claimed": 5, "confirmed": 3, "unverified": 1, "refuted": 1},
    "gp_contact": {"claimed": 3},
}
SITE_AVOIDED = {
    "VHOMA": {
        "ambulance": {"claimed": 4, "confirmed": 1, "unverified": 1, "refuted": 2},
        "ed_attendance": {"claimed": 4, "confirmed": 2, "unverified": 1, "refuted": 1},
        "admission": {"claimed": 3, "confirmed": 2, "unverified": 0, "refuted": 1},
        "gp_contact": {"claimed": 2},
    },
    "VRES1": {
        "ambulance": {"claimed": 1, "confirmed": 1, "unverified": 0, "refuted": 0},
        "ed_attendance": {"claimed": 1, "confirmed": 1, "unverified": 0, "refuted": 0},
        "admission": {"claimed": 1, "confirmed": 0, "unverified": 1, "refuted": 0},
        "gp_contact": {"claimed": 1},
    },
    "VOWN1": {
        "ambulance": {"claimed": 1, "confirmed": 1, "unverified": 0, "refuted": 0},
        "ed_attendance": {"claimed": 1, "confirmed": 1, "unverified": 0, "refuted": 0},
        "admission": {"claimed": 1, "confirmed": 1, "unverified": 0, "refuted": 0},
        "gp_contact": {"claimed": 0},
    },
    "VCMP1": {
        "ambulance": {"claimed": 0, "confirmed": 0, "unverified": 0, "refuted": 0},
        "ed_attendance": {"claimed": 0, "confirmed": 0, "unverified": 0, "refuted": 0},
        "admission": {"claimed": 0, "confirmed": 0, "unverified": 0, "refuted": 0},
        "gp_contact": {"claimed": 0},
    },
}
SITE_CALLS = {"VHOMA": 12, "VRES1": 4, "VOWN1": 1, "VCMP1": 0}
CALLS_TOTAL = 17
NOT_RECORDED = 1  # C11, imported as call_failed_technical
TECHNICAL_FAILURES = 1  # C11 too: its call-quality record says it ended by failure
BED_DAYS = "23.7"
MONEY = {"ambulance": "693.00", "ed_attendance": "456.00", "admission": "21353.70"}
MONEY_TOTAL = "22502.70"
MONEY_GP_CLAIMED = "204.90"  # 3 claimed × £68.30, kept apart from the confirmed total
MONEY_WITH_CLAIMED = "22707.60"
# Connection quality as test_connection_quality_is_counted_apart_from_the_clinical_outcome
# adds it (home A and the area alike): calls with a drop (C04, C05), ended by failure (C05
# by its tablet's report, C11 as imported), calls reported (C04, C05, C11); the audio-only
# share of minutes = 2 / (5 + 1.5 + 2).
CONNECTION = {"counts": (2, 2, 3), "share_audio_only": 2 / 8.5}
# C21, the live call test_a_live_call_added_to_the_worked_example_... adds: its ambulance,
# A&E and admission claims are unverified (the early follow-up was refused).
LIVE_CALL = {
    "avoided": {
        "ambulance": {"claimed": 7, "confirmed": 3, "unverified": 2, "refuted": 2},
        "ed_attendance": {"claimed": 7, "confirmed": 4, "unverified": 2, "refuted": 1},
        "admission": {"claimed": 6, "confirmed": 3, "unverified": 2, "refuted": 1},
        "gp_contact": {"claimed": 3},
    }
}
ANSWER = {"answered": 16, "median": 110, "p90": 400, "within": 13}


def read_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The CSV tables (``hub.reports.render_tables``) back from their text: name → rows."""
    found: dict[str, list[dict[str, str]]] = {}
    lines = iter(csv.reader(io.StringIO(text)))
    for row in lines:
        if len(row) == 1 and row[0].startswith("table: "):
            columns = next(lines)
            rows = found.setdefault(row[0].removeprefix("table: "), [])
            for line in lines:
                if not line:
                    break
                rows.append(dict(zip(columns, line, strict=True)))
    return found


async def monthly_report(
    db: Database, scope: Scope = SYSTEM, *, suppress: bool = False, **query: str
) -> MonthlyReport:
    """The report, by default as for a commissioner with a data-sharing agreement (small
    numbers shown), so the hand-worked counts can be read; ``suppress`` as by default."""
    settings = HubSettings(environment="test", report_suppress_small_numbers=suppress)
    service = ReportService(db, FakeClock(NOW), settings)
    return await service.monthly(scope, MonthlyReportQuery(month=MONTH, **query))


def avoided_of(data: dict) -> dict:  # type: ignore[type-arg]
    """The avoided-contact counts of a report's JSON part, by measure."""
    return {m: data[m] for m in MEASURES}


def pdf_text(pdf: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (make test installs it)"
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def assert_page_one_is_not_blank(pdf: Path) -> None:
    assert shutil.which("pdftoppm"), "poppler-utils is needed (make test installs it)"
    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    image = next(pdf.parent.glob("report-*.pgm"))
    data = image.read_bytes()
    # A binary PGM: header "P5\n<w> <h>\n255\n" then one byte per pixel.
    header_end = data.index(b"\n255\n") + 5
    pixels = data[header_end:]
    dark = sum(1 for b in pixels if b < 128)
    assert len(pixels) > 10_000
    assert dark > len(pixels) * 0.01, "page 1 is blank"
    assert dark < len(pixels) * 0.6, "page 1 is mostly black"
