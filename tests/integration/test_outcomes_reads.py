"""A recorded outcome read back: the record tells the call's story in order, the resident
summary, history search, the shift view, and care-home staff reach no console or outcome
route."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.app import create_app
from hub.clock import FakeClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    AuditEvent,
)
from support.calls import COMPLETE_OUTCOME, WRAP_UP_STARTED, wrap_up_call
from support.hub import HubServer
from support.world import World, sign_in


async def test_the_record_tells_the_calls_story_in_order(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    record = await (await hub.get(f"/api/calls/{call_id}/record")).json()
    texts = [e["text"] for e in record["timeline"]]
    assert texts == [
        "Call requested",
        "Waiting in the queue",
        "Answered",
        "Call ended: wrap-up",
        "Outcome recorded: call closed",
    ]
    assert record["timeline"][2]["actor_name"] == world.nurse.display_name
    assert record["outcome"]["recorded_by_name"] == world.nurse.display_name
    assert [e["code"] for e in record["escalations"]] == ["gp_contacted"]
    page = await hub.get(f"/console/calls/{call_id}")
    assert page.status == 200
    html = await page.text()
    assert "Outcome recorded: call closed" in html and "Chest clear after nebuliser" in html


async def test_the_resident_summary_shows_the_last_five_calls_and_is_audited(
    hub: TestClient, db: Database, world: World
) -> None:
    async with db.session() as s:
        person = world.home_a.resident
        person.key_conditions = "COPD; heart failure"
        person.care_wishes = "Prefers to stay at home"
        person.resuscitation_status = "dnacpr"
        s.add(person)
    ids = [await wrap_up_call(db, world) for _ in range(6)]
    current = ids[-1]
    summary = await hub.get(f"/api/residents/{world.home_a.resident.id}/summary?call={current}")
    assert summary.status == 200, await summary.text()
    body = await summary.json()
    assert body["allergies"] == "Penicillin" and body["key_conditions"] == "COPD; heart failure"
    assert body["resuscitation_label"] == "DNACPR in place"
    assert len(body["recent_calls"]) == 5 and current not in [c["id"] for c in body["recent_calls"]]
    async with db.session() as s:
        audit = (
            await s.exec(select(AuditEvent).where(AuditEvent.target_type == "person_summary"))
        ).all()
        assert [a.actor for a in audit] == [f"user:{world.nurse.id}"]


async def test_history_searches_by_site_resident_date_and_disposition(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    day = WRAP_UP_STARTED.date().isoformat()

    async def ids(query: str) -> list[str]:
        response = await hub.get(f"/api/call-history?{query}")
        assert response.status == 200, await response.text()
        return [r["id"] for r in await response.json()]

    assert call_id in await ids(f"site={world.home_a.site.id}")
    assert call_id not in await ids(f"site={world.home_b.site.id}")
    assert call_id in await ids("resident=residenta")
    assert call_id not in await ids("resident=residentb")
    assert await ids(f"from={day}&to={day}&disposition=managed_in_place") == [call_id]
    assert await ids("disposition=ambulance_999") == []
    assert (await hub.get("/api/call-history?from=yesterday")).status == 422
    page = await hub.get(f"/console/history?resident=Edith&from={day}")
    assert page.status == 200 and call_id in await page.text()


async def test_care_home_staff_read_no_console_or_outcome_route(
    client: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
    await sign_in(client, world.home_a.staff.username)
    for path in (
        "/console",
        "/console/history",
        f"/console/calls/{call_id}",
        "/console/follow-ups",
        "/admin/shift",
        f"/api/calls/{call_id}/record",
        f"/api/residents/{world.home_a.resident.id}/summary",
        "/api/follow-ups",
        "/api/call-history",
        "/api/shift",
    ):
        assert (await client.get(path)).status == 403, path


async def test_the_shift_view_counts_answer_times_and_calls_per_nurse(
    hub: TestClient, settings: HubSettings, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    assert (await hub.get("/api/shift")).status == 403  # the nurse: admin only
    async with TestClient(HubServer(create_app(settings, clock=clock))) as admin:
        await sign_in(admin, world.admin.username)
        view = await (await admin.get("/api/shift")).json()
        assert view["answered_today"] == 1 and view["median_answer_seconds"] == 95
        assert view["within_target"] == 1 and view["waiting"] == 0
        nurse = next(n for n in view["per_nurse"] if n["user_id"] == world.nurse.id)
        assert (nurse["answered"], nurse["closed"]) == (1, 1)
        page = await admin.get("/admin/shift")
        assert page.status == 200 and "Calls per nurse today" in await page.text()
