"""The hub-wide report: every commissioner's monthly report in one run, each exactly as
that commissioner's own report, plus the hub totals; for hub administrators only (the API,
the page and ``telehub report monthly --all``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.clock import FakeClock, as_utc
from hub.errors import Forbidden
from hub.reports.engine import ReportService
from hub.reports.hub_wide import hub_wide
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM, Scope
from hub.storage.tables import Call, CallEvent, CallQualityReport, Escalation
from schemas.codes import Role
from schemas.reports import MonthlyReportQuery
from support.gold_line import load_gold_line_example
from support.reports import (
    ACTIVITY,
    AVOIDED,
    CALLS,
    CALLS_TOTAL,
    MONEY_TOTAL,
    MONTH,
    NOT_RECORDED,
    SITES,
    load_worked_example,
)
from support.world import NOW, World, sign_in


def _service(db: Database, *, suppress: bool) -> ReportService:
    settings = HubSettings(environment="test", report_suppress_small_numbers=suppress)
    return ReportService(db, FakeClock(NOW), settings)


async def test_every_commissioners_report_and_the_hub_totals(db: Database, world: World) -> None:
    await load_worked_example(db)
    service = _service(db, suppress=True)
    hub = await hub_wide(service, SYSTEM, MONTH)
    by_code = {r.commissioner: r for r in hub.reports}
    assert {"QAA", "QBB"} <= set(by_code)
    for code, report in by_code.items():  # each exactly as its own report, suppressed
        own = await service.monthly(SYSTEM, MonthlyReportQuery(month=MONTH, commissioner=code))
        assert report == own
        assert report.disclosure.suppressed
    lines = {x.commissioner: x for x in hub.by_commissioner}
    qaa = lines["QAA"]  # the hand-worked figures, whole (the hub's own view)
    assert qaa.calls == CALLS_TOTAL and qaa.not_recorded == NOT_RECORDED
    assert qaa.avoided.admission.model_dump() == AVOIDED["admission"]
    assert str(qaa.money_gbp) == MONEY_TOTAL
    assert lines["QBB"].calls == 1  # home B's one call (C20)
    assert hub.totals.name == "Whole hub"
    assert hub.totals.calls == sum(x.calls for x in hub.by_commissioner) >= CALLS_TOTAL + 1
    assert hub.totals.avoided.admission.confirmed == sum(
        x.avoided.admission.confirmed  # type: ignore[misc]
        for x in hub.by_commissioner
    )


async def _a_drop_a_quality_report_and_an_escalation(db: Database, external_id: str) -> None:
    async with db.session() as s:
        call = (await s.exec(select(Call).where(Call.external_id == external_id))).one()
        at = as_utc(call.started_at) + timedelta(minutes=3)
        s.add(CallEvent(call_id=call.id, at=at, kind="participant_dropped", detail={}))
        s.add(
            CallQualityReport(
                call_id=call.id,
                reporter="user:1",
                video_seconds=120,
                audio_only_seconds=60,
                reported_at=at,
            )
        )
        s.add(Escalation(call_id=call.id, code="specialist_joined", at=at))


async def test_each_kind_of_row_is_counted_for_its_own_commissioner(
    db: Database, world: World
) -> None:
    """The hub's rows, read once and split by commissioner: unsuppressed (so a count of 1
    moved to the wrong area shows), every commissioner's report is its own report, with
    calls, drops, quality reports, escalations, hospital activity and the Gold Line rows at
    both commissioners' sites (C20 is home B's, QBB)."""
    await load_worked_example(db)
    await load_gold_line_example(db)
    for external_id in ("C04", "C20"):
        await _a_drop_a_quality_report_and_an_escalation(db, external_id)
    service = _service(db, suppress=False)
    hub = await hub_wide(service, SYSTEM, MONTH)
    by_code = {r.commissioner: r for r in hub.reports}
    assert {"QAA", "QBB"} <= set(by_code)
    for code, report in by_code.items():
        own = await service.monthly(SYSTEM, MonthlyReportQuery(month=MONTH, commissioner=code))
        assert report == own
    qbb = by_code["QBB"]
    assert (qbb.connection.calls_with_drop, qbb.connection.calls_reported) == (1, 1)
    assert qbb.specialists.joined == 1 and qbb.gold_line is not None


async def test_only_a_hub_administrator_runs_it(db: Database, world: World) -> None:
    service = _service(db, suppress=True)
    for role, org in (
        (Role.HUB_NURSE, world.hub.id),
        (Role.COMMISSIONER, world.commissioner_a.id),
    ):
        with pytest.raises(Forbidden):
            await hub_wide(service, Scope(role=role, organisation_id=org or 0, user_id=1), MONTH)


async def test_the_api_and_the_page(client: TestClient, db: Database, world: World) -> None:
    await load_worked_example(db)
    await sign_in(client, world.admin.username)
    got = await client.get(f"/api/reports/hub?month={MONTH}")
    assert got.status == 200
    body = await got.json()
    assert [x["commissioner"] for x in body["by_commissioner"]][:2] == ["QAA", "QBB"]
    qaa = next(r for r in body["reports"] if r["commissioner"] == "QAA")
    assert qaa["disclosure"]["suppressed"] and qaa["totals"]["calls"] == CALLS_TOTAL
    page = await client.get(f"/reports/hub?month={MONTH}")
    assert page.status == 200
    text = await page.text()
    assert "Hub-wide report, October 2026" in text and 'id="hub-total-row"' in text
    assert 'commissioner=QAA">Commissioner A</a> (QAA)</th>' in text
    assert (await client.get("/api/reports/hub?month=2026-13")).status == 422
    await sign_in(client, world.commissioner_user_a.username)
    assert (await client.get(f"/api/reports/hub?month={MONTH}")).status == 403
    assert (await client.get(f"/reports/hub?month={MONTH}")).status == 403


def test_the_cli_runs_every_commissioner(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}

    def telehub(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert telehub("db", "upgrade").returncode == 0
    sites = tmp_path / "sites.csv"  # the worked example's sites and the test world's home A
    sites.write_text(SITES.read_text() + "VHOMA,Home A,care_home_nursing,40,QAA,2025-01-01\n")
    for kind, path in (("sites", sites), ("calls", CALLS), ("activity", ACTIVITY)):
        assert telehub("import", kind, str(path)).returncode == 0
    done = telehub("report", "monthly", "--month", MONTH, "--all")
    assert done.returncode == 0, done.stderr
    hub = json.loads(done.stdout)
    lines = {x["commissioner"]: x for x in hub["by_commissioner"]}
    assert lines["QAA"]["calls"] == CALLS_TOTAL
    assert hub["totals"]["calls"] == sum(x["calls"] for x in lines.values())
    assert {r["commissioner"] for r in hub["reports"]} == set(lines)
    refused = telehub("report", "monthly", "--month", MONTH, "--all", "--commissioner", "QAA")
    assert refused.returncode == 2 and "--all" in refused.stderr
