"""Small numbers are suppressed in every format (method §6), and the setting that turns
suppression off says so in the report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hub.reports.render_csv import render_csv
from hub.reports.render_fhir import measure_report
from hub.reports.render_html import render_document
from hub.reports.render_pdf import render_pdf
from hub.reports.render_tables import render_tables
from hub.storage.engine import Database
from schemas.reports import MonthlyReport
from support.reports import (
    FIELDS,
    MEASURES,
    load_worked_example,
    monthly_report,
    pdf_text,
    read_tables,
)
from support.world import World


def _tallies(value: object) -> list[object]:
    """Every value in the report JSON held under a count's key."""
    found: list[object] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in COUNT_KEYS and not isinstance(inner, dict | list):
                found.append(inner)
            elif key in ("by_hour", "by_weekday"):
                found += inner
            else:
                found += _tallies(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _tallies(inner)
    return found


COUNT_KEYS = {*FIELDS, "calls", "not_recorded", "count", "total", "clinical", "no_outcome"}
COUNT_KEYS |= {"answered", "not_answered", "within_target", "joined", "callbacks", "costed"}
COUNT_KEYS |= {"calls_with_specialist", "care_home_calls", "residents", "confirmed"}
COUNT_KEYS |= {"events_before", "events_after"}


async def test_small_numbers_are_suppressed_in_every_format(
    db: Database, world: World, tmp_path: Path
) -> None:
    """The worked example with suppression on (method §6 gives every figure by hand)."""
    await load_worked_example(db)
    report = await monthly_report(db, commissioner="QAA", suppress=True)
    data = report.model_dump(mode="json")
    assert data["disclosure"]["suppressed"] is True
    # No count of 1 to 7 is left anywhere.
    assert [v for v in _tallies(data) if isinstance(v, int) and 1 <= v <= 7] == []

    # Primary: 1 to 7 is "<8"; 0 and 8 or more are shown.
    assert (data["totals"]["calls"], data["totals"]["not_recorded"]) == (17, "<8")
    for measure in MEASURES[:3]:
        assert data["totals"]["avoided"][measure] == dict.fromkeys(FIELDS, "<8")
    sites = {s["ods"]: s for s in data["sites"]}
    assert (sites["VRES1"]["calls"], sites["VOWN1"]["calls"], sites["VCMP1"]["calls"]) == (
        "<8",
        "<8",
        0,
    )
    # Secondary: 17 calls = 16 clinical + 1 technical + 0 with no outcome, so the 16 is
    # withheld; 16 care-home calls = home A 12 + VRES1 4, so home A's 12 is withheld (and
    # with it the nursing homes' 12 and both rates per 10 beds); 17 = care_home 16 +
    # gold line 1; 17 = 16 answered + 1 not; the year to date 18 = 17 + September's 1.
    assert (data["calls"]["clinical"], data["calls"]["not_recorded"]) == ("*", "<8")
    assert sites["VHOMA"]["calls"] == "*" and sites["VHOMA"]["calls_per_10_beds"] is None
    kinds = {k["code"]: k["calls"] for k in data["calls"]["by_site_kind"]}
    assert kinds == {
        "care_home_nursing": "*",
        "care_home_residential": "<8",
        "own_home": "<8",
        "prison": 0,
    }
    assert data["rates"]["care_home_calls"] == 16  # both parts are withheld
    channels = {c["code"]: c["count"] for c in data["calls"]["by_channel"]}
    assert (channels["care_home"], channels["gold_line"]) == ("*", "<8")
    answer = data["answer_times"]
    assert (answer["answered"], answer["not_answered"]) == ("*", "<8")
    assert answer["median_seconds"] == 110 and answer["share_within_target"] is None
    assert data["comparison"]["year_to_date"]["calls"] == "*"
    assert data["comparison"]["last_month"]["calls"] == "<8"
    # Figures worked out from a withheld count are not shown.
    assert data["money"]["total_gbp"] is None and data["totals"]["bed_days_avoided"] is None
    assert all(row["amount_gbp"] is None for row in data["money"]["rows"])
    assert data["rates"]["avoided_admissions_per_1000_resident_years"] is None
    assert data["spc_calls"] is None and sites["VHOMA"]["spc_calls"] is None
    home_a = next(h for h in data["hospital_activity"]["homes"] if h["ods"] == "VHOMA")
    # The area's 20 A&E attendances after = home A 18 + VRES1 2, so home A's 18 is withheld.
    assert home_a["ed_attendances"]["service"]["events_after"] == "*"
    assert home_a["ed_attendances"]["service"]["change"]["ratio"] is None
    assert home_a["ed_attendances"]["service"]["events_before"] == 30

    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    figures = {(r["section"], r["site_ods"], r["item"]): r["value"] for r in rows}
    assert figures[("sites", "VRES1", "calls")] == "<8"
    assert figures[("sites", "VHOMA", "calls")] == "*"
    assert figures[("totals", "", "avoided.admission.confirmed")] == "<8"
    assert figures[("disclosure", "", "suppressed")] == "True"
    tables = read_tables(render_tables(report))
    assert {r["site_ods"]: r["calls"] for r in tables["sites"]}["VRES1"] == "<8"
    assert tables["money"][0]["total_confirmed_gbp"] == ""
    assert tables["disclosure"][0]["suppressed"] == "True"

    html = render_document(report)
    assert "&lt;8" in html and "£22,502.70" not in html and "data sharing" not in html
    text = _pdf_text_of(report, tmp_path)
    assert "<8" in text and "£22,502.70" not in text and "Counts of 1 to 7" in text

    fhir = json.loads(measure_report(report, base_url="https://hub.example/").model_dump_json())
    groups = {g["code"]["coding"][0]["code"]: g for g in fhir["group"]}
    numerator = next(
        p
        for p in groups["admission"]["population"]
        if p["code"]["coding"][0]["code"] == "numerator"
    )
    assert "count" not in numerator
    assert numerator["extension"][0]["valueCode"] == "masked"
    assert groups["calls"]["population"][0]["count"] == 17


async def test_the_setting_turns_suppression_off_and_the_report_says_so(
    db: Database, world: World
) -> None:
    await load_worked_example(db)
    report = await monthly_report(db, commissioner="QAA", suppress=False)
    assert report.disclosure.suppressed is False
    assert "data-sharing agreement" in report.disclosure.rule
    assert report.totals.avoided.admission.claimed == 5
    assert "data-sharing agreement" in render_document(report)


def _pdf_text_of(report: MonthlyReport, tmp_path: Path) -> str:
    pdf = tmp_path / "suppressed.pdf"
    pdf.write_bytes(render_pdf(report))
    return pdf_text(pdf)
