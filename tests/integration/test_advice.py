"""The nurse's written advice to the home (issue 17 item 4): part of the outcome record,
kept on the resident's page on the tablet (scoped to the home, audited), replaced only by an
amendment under the amend rules, and never written to the log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.app import create_app
from hub.clock import FakeClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Outcome
from support.calls import call_in_wrap_up
from support.hub import HubServer
from support.world import NOW, World, sign_in

ADVICE = "Sips of water every hour. Call back at once if she is drowsy or breathing faster."
BETTER = "Sips of water every hour; GP visits in the morning. Call back if she is drowsy."
RECORD = {
    "disposition": "managed_in_place",
    "nurse_counterfactual": "admission",
    "clinical_note": "Chest clear after nebuliser.",
    "advice_to_home": ADVICE,
}


@pytest.fixture
async def app_client(settings: HubSettings, world: World) -> AsyncIterator[TestClient]:
    clock = FakeClock(NOW + timedelta(minutes=20))
    async with TestClient(HubServer(create_app(settings, clock=clock))) as client:
        yield client


async def _audits(db: Database, action: str) -> list[AuditEvent]:
    async with db.session() as s:
        rows = await s.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        )
        return list(rows.all())


async def test_advice_is_recorded_kept_on_the_residents_page_and_replaced_by_amendment(
    app_client: TestClient, db: Database, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the hub's own logs, and the access log
    client = app_client
    call_id = await call_in_wrap_up(db, world, started=NOW + timedelta(minutes=5))
    resident = world.home_a.resident
    page_url = f"/tablet/residents/{resident.id}"

    await sign_in(client, world.nurse.username)
    closed = await client.post(f"/api/calls/{call_id}/outcome", json=RECORD)
    assert closed.status == 201, await closed.text()
    async with db.session() as s:
        outcome = await s.get(Outcome, call_id)
        assert outcome is not None and outcome.advice_to_home == ADVICE
    record = await (await client.get(f"/api/calls/{call_id}/record")).json()
    assert record["advice_to_home"] == ADVICE
    assert record["outcome"]["advice_to_home"] == ADVICE
    sent = await _audits(db, "advice_sent")
    assert [(a.target_id, a.person_id) for a in sent] == [(call_id, resident.id)]
    await client.post("/api/auth/logout")

    # The home's own tablet reads it on the resident's page; the read is audited.
    await sign_in(client, world.home_a.staff.username)
    page = await client.get(page_url)
    assert page.status == 200
    assert ADVICE in await page.text()
    reads = [a for a in await _audits(db, "read") if a.target_type == "person_advice"]
    assert [(a.person_id, a.detail) for a in reads] == [
        (resident.id, {"results": 1, "call_ids": [call_id]})
    ]
    await client.post("/api/auth/logout")

    # Another home cannot read it: refused like any other record outside its scope.
    await sign_in(client, world.home_b.staff.username)
    other = await client.get(page_url)
    assert other.status == 404
    assert ADVICE not in await other.text()
    refused = [a for a in await _audits(db, "refused") if a.detail]
    assert any(a.detail and "/tablet/residents" in a.detail["where"] for a in refused)
    await client.post("/api/auth/logout")

    # A specialist may not amend it; the nurse who closed the call replaces it.
    amend = {"field": "advice_to_home", "new_value": BETTER, "reason": "GP visit booked"}
    await sign_in(client, world.specialist.username)
    assert (await client.post(f"/api/calls/{call_id}/amendments", json=amend)).status == 403
    await client.post("/api/auth/logout")
    await sign_in(client, world.nurse.username)
    amended = await client.post(f"/api/calls/{call_id}/amendments", json=amend)
    assert amended.status == 201, await amended.text()
    assert (await amended.json())["old_value"] == ADVICE
    record = await (await client.get(f"/api/calls/{call_id}/record")).json()
    assert record["advice_to_home"] == BETTER
    assert record["outcome"]["advice_to_home"] == ADVICE, "the recorded outcome is never edited"
    await client.post("/api/auth/logout")

    await sign_in(client, world.home_a.staff.username)
    text = await (await client.get(page_url)).text()
    assert BETTER in text and ADVICE not in text

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Sips of water" not in logged


async def test_a_record_without_advice_keeps_none_and_the_page_says_so(
    app_client: TestClient, db: Database, world: World
) -> None:
    call_id = await call_in_wrap_up(db, world, started=NOW + timedelta(minutes=5))
    await sign_in(app_client, world.nurse.username)
    without = {k: v for k, v in RECORD.items() if k != "advice_to_home"}
    assert (await app_client.post(f"/api/calls/{call_id}/outcome", json=without)).status == 201
    async with db.session() as s:
        outcome = await s.get(Outcome, call_id)
        assert outcome is not None and outcome.advice_to_home is None
    assert await _audits(db, "advice_sent") == []
    await app_client.post("/api/auth/logout")
    await sign_in(app_client, world.home_a.staff.username)
    page = await app_client.get(f"/tablet/residents/{world.home_a.resident.id}")
    assert 'id="advice-none"' in await page.text()
