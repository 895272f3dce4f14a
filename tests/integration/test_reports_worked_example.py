"""The hand-worked example of docs/report-method.md gives exactly its documented counts, on
SQLite and PostgreSQL, alone and with a live call added."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.app import create_app
from hub.clock import FakeClock, as_utc
from hub.reports.render_csv import render_csv
from hub.reports.render_fhir import measure_report
from hub.reports.render_html import render_document
from hub.reports.render_pdf import render_pdf
from hub.reports.render_tables import render_tables
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Escalation, FollowUpTask
from schemas.reports import MonthlyReport
from support.calls import call_in_wrap_up
from support.hub import HubServer
from support.reports import (
    ANSWER,
    AVOIDED,
    BED_DAYS,
    CALLS_TOTAL,
    LIVE_CALL,
    MONEY,
    MONEY_GP_CLAIMED,
    MONEY_TOTAL,
    MONEY_WITH_CLAIMED,
    NOT_RECORDED,
    SITE_AVOIDED,
    SITE_CALLS,
    TECHNICAL_FAILURES,
    avoided_of,
    load_worked_example,
    monthly_report,
    pdf_text,
    read_tables,
)
from support.world import World, sign_in


async def test_the_worked_example_gives_the_documented_counts(worked: MonthlyReport) -> None:
    data = worked.model_dump(mode="json")
    assert data["month"] == "2026-10" and data["commissioner"] == "QAA"
    assert data["totals"]["calls"] == CALLS_TOTAL
    assert data["totals"]["not_recorded"] == NOT_RECORDED
    assert data["connection"]["technical_failures"] == TECHNICAL_FAILURES
    assert avoided_of(data["totals"]["avoided"]) == AVOIDED
    assert data["totals"]["bed_days_avoided"] == BED_DAYS
    by_site = {s["ods"]: s for s in data["sites"]}
    assert set(by_site) == set(SITE_CALLS)  # home B (commissioner B) is not in A's report
    for ods, calls in SITE_CALLS.items():
        assert by_site[ods]["calls"] == calls, ods
        assert avoided_of(by_site[ods]["avoided"]) == SITE_AVOIDED[ods], ods
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


async def test_a_site_report_covers_that_site_only(db: Database, world: World) -> None:
    await load_worked_example(db)
    report = await monthly_report(db, site="VRES1")
    assert report.site == "VRES1" and report.commissioner == "QAA"
    assert [s.ods for s in report.sites] == ["VRES1"]
    assert report.totals.calls == 4
    assert report.totals.avoided.admission.unverified == 1


def test_money_is_exact() -> None:
    assert Decimal(MONEY_TOTAL) == sum(Decimal(v) for v in MONEY.values())


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
    async with TestClient(HubServer(create_app(settings, clock=clock))) as client:
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

    report = await monthly_report(db, commissioner="QAA")
    live = LIVE_CALL
    assert report.totals.calls == CALLS_TOTAL + 1
    assert avoided_of(report.totals.avoided.model_dump()) == live["avoided"]
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
    text = pdf_text(pdf)
    assert "3 of 6 claimed" in text and "£22,502.70" in text
