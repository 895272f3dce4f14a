"""The disposition says only what happened clinically (issue 18 item 7): the wrap-up, over
HTTP and the websocket, refuses ``call_failed_technical``; migration 0011 carries the calls
stored with it over to ``not_recorded`` and a call-quality record that says they ended by
failure, on SQLite and PostgreSQL, losing none; an imported file's are converted the same way
and counted in the summary; the report counts them as connection failures, never clinically."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import text
from sqlmodel import select

from hub.clock import FakeClock
from hub.reports.engine import ReportService
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.migrate import downgrade, upgrade
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, CallQualityReport, Outcome
from schemas.imports import ImportKind
from schemas.reports import MonthlyReportQuery
from support.calls import call_in_wrap_up
from support.reports import CALLS, load_worked_example, run_import
from support.world import NOW, World, build_world, sign_in

BEFORE = "0010_gold_register"


async def _one(db: Database, sql: str, **params: object) -> list[tuple[object, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]


async def test_the_migration_keeps_every_failed_call_as_a_failure_not_recorded_clinically(
    settings: HubSettings,
) -> None:
    db = Database.from_settings(settings)
    try:
        await upgrade(db, BEFORE)
        world = await build_world(db)
        failed, other = world.home_a.call.id, world.home_b.call.id
        ended = NOW + timedelta(minutes=9)
        async with db.engine.begin() as conn:  # as the hub stored them before 0011
            for call_id, code in ((failed, "call_failed_technical"), (other, "managed_in_place")):
                await conn.execute(
                    text(
                        'UPDATE "call" SET disposition = :code, nurse_counterfactual = '
                        "'admission', closed_at = :ended WHERE id = :id"
                    ),
                    {"code": code, "ended": ended, "id": call_id},
                )
                await conn.execute(
                    text(
                        "INSERT INTO outcome (call_id, disposition, nurse_counterfactual, "
                        "clinical_note, follow_up_needed, recorded_by, recorded_at) VALUES "
                        "(:id, :code, 'admission', 'note', true, :nurse, :ended)"
                    ),
                    {"id": call_id, "code": code, "nurse": world.nurse.id, "ended": ended},
                )
        calls_before = await _one(db, 'SELECT count(*) FROM "call"')

        await upgrade(db)

        assert await _one(db, 'SELECT count(*) FROM "call"') == calls_before
        dispositions = dict(await _one(db, 'SELECT id, disposition FROM "call"'))
        assert (dispositions[failed], dispositions[other]) == ("not_recorded", "managed_in_place")
        outcomes = dict(await _one(db, "SELECT call_id, disposition FROM outcome"))
        assert outcomes == {failed: "not_recorded", other: "managed_in_place"}
        quality = await _one(
            db, "SELECT call_id, reporter, ended_by_failure, video_seconds FROM call_quality"
        )
        assert [(c, r, bool(f), v) for c, r, f, v in quality] == [(failed, "hub", True, 0)]

        shown = HubSettings(environment="test", report_suppress_small_numbers=False)
        service = ReportService(db, FakeClock(NOW), shown)
        query = MonthlyReportQuery(month="2026-11", commissioner="QAA")
        report = await service.monthly(SYSTEM, query)
        assert report.connection.technical_failures == 1  # a connection failure...
        assert report.calls.not_recorded == 1 and report.calls.clinical == 0  # ...not clinical
        assert {c.code: c.count for c in report.dispositions}["not_recorded"] == 1

        await downgrade(db, BEFORE)  # and back, as it was
        dispositions = dict(await _one(db, 'SELECT id, disposition FROM "call"'))
        assert dispositions[failed] == "call_failed_technical"
        assert await _one(db, "SELECT count(*) FROM call_quality") == [(0,)]
    finally:
        await db.close()


CLOSE = {
    "nurse_counterfactual": "admission",
    "clinical_note": "Video failed; finished by phone: chest clear, obs 4-hourly.",
}


@pytest.mark.parametrize("code", ["call_failed_technical", "not_recorded"])
async def test_the_wrap_up_refuses_a_disposition_that_is_not_clinical(
    client: TestClient, db: Database, world: World, code: str
) -> None:
    await sign_in(client, world.nurse.username)
    page = await (await client.get("/console")).text()
    assert 'value="managed_in_place"' in page and f'value="{code}"' not in page
    call_id = await call_in_wrap_up(db, world, started=NOW)
    refused = await client.post(
        f"/api/calls/{call_id}/outcome", json={"disposition": code, **CLOSE}
    )
    assert refused.status == 422
    error = await refused.json()
    assert error["field"] == "disposition"
    assert "record what happened clinically" in error["message"]
    async with db.session() as s:
        assert await s.get(Outcome, call_id) is None
    closed = await client.post(
        f"/api/calls/{call_id}/outcome", json={"disposition": "gp_followup", **CLOSE}
    )
    assert closed.status == 201, await closed.text()
    amended = await client.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "disposition", "new_value": code, "reason": "the video failed"},
    )
    assert amended.status == 422 and (await amended.json())["field"] == "disposition"


async def test_an_imported_call_failed_technical_is_converted_and_counted(
    db: Database, world: World
) -> None:
    await load_worked_example(db)  # the file's C11 is call_failed_technical
    async with db.session() as s:
        c11 = (await s.exec(select(Call).where(Call.external_id == "C11"))).one()
        records = (
            await s.exec(select(CallQualityReport).where(CallQualityReport.call_id == c11.id))
        ).all()
    assert c11.disposition == "not_recorded"
    assert [(r.reporter, r.ended_by_failure) for r in records] == [("hub", True)]
    again = await run_import(db, ImportKind.CALLS, CALLS)  # every row already there
    assert again.already_present == 20 and again.converted_failures == 0


async def test_the_import_summary_says_how_many_failures_it_converted(
    db: Database, world: World
) -> None:
    summary = await run_import(db, ImportKind.CALLS, CALLS)
    assert summary.converted_failures == 1
    assert "1 call_failed_technical stored as not recorded clinically" in summary.describe()
