"""The 72-hour follow-up confirms what the call's outcome claimed: due 72 hours after the
call, refused before then, and its form page names a missing answer."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.clock import LONDON, FakeClock
from hub.storage.engine import Database
from hub.storage.tables import (
    Call,
    FollowUpTask,
)
from support.calls import COMPLETE_OUTCOME, WRAP_UP_STARTED, wrap_up_call
from support.world import World, sign_in


async def test_the_follow_up_is_due_72_hours_later_and_confirms_the_calls_measures(
    hub: TestClient, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    assert await (await hub.get("/api/follow-ups")).json() == []

    clock.advance(timedelta(hours=72))
    await sign_in(hub, world.nurse.username)  # a new shift: yesterday's session has expired
    tasks = await (await hub.get("/api/follow-ups")).json()
    assert [t["call_id"] for t in tasks] == [call_id]
    task = tasks[0]
    assert task["overdue"] is False and task["person_name"] == "Edith ResidentA"
    assert "Avoided emergency admission" in task["claims"]

    clock.advance(timedelta(hours=25))
    await sign_in(hub, world.nurse.username)
    assert (await (await hub.get("/api/follow-ups")).json())[0]["overdue"] is True

    refused = await hub.post(f"/api/follow-ups/{task['id']}", json={"ed_within_72h": "no"})
    assert refused.status == 422 and (await refused.json())["field"] == "admitted_within_72h"

    recorded = await hub.post(
        f"/api/follow-ups/{task['id']}",
        json={"ed_within_72h": "no", "admitted_within_72h": "no", "method": "callback"},
    )
    assert recorded.status == 200, await recorded.text()
    assert (await recorded.json())["completed_by_name"] == world.nurse.display_name
    async with db.session() as s:
        call = await s.get(Call, call_id, populate_existing=True)
        assert call is not None
        assert (call.ed_within_72h, call.admitted_within_72h) == ("no", "no")
    record = await (await hub.get(f"/api/calls/{call_id}/record")).json()
    verdicts = {m["measure"]: m["verdict"] for m in record["measures"]}
    assert verdicts["Avoided ambulance call-out"].startswith("Claimed, confirmed")
    assert verdicts["Avoided emergency admission"].startswith("Claimed, confirmed")
    assert any(e["kind"] == "follow_up_recorded" for e in record["timeline"])

    twice = await hub.post(
        f"/api/follow-ups/{task['id']}", json={"ed_within_72h": "yes", "admitted_within_72h": "no"}
    )
    assert twice.status == 409 and "Already recorded by" in (await twice.json())["message"]
    open_tasks = [
        t for t in await (await hub.get("/api/follow-ups")).json() if not t["completed_at"]
    ]
    assert open_tasks == []


async def test_a_follow_up_cannot_be_recorded_before_72_hours_after_the_call_ended(
    hub: TestClient, db: Database, world: World, clock: FakeClock
) -> None:
    """Five minutes after the call, and again 72 h after its start (9 minutes short of 72 h
    after its end, so the task is not yet due), the answer is refused and nothing is
    confirmed; 72 hours after the end the task falls due and the answer is recorded."""
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    async with db.session() as s:
        task = (await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call_id))).one()
    answers = {"ed_within_72h": "no", "admitted_within_72h": "no", "method": "callback"}
    ended = WRAP_UP_STARTED + timedelta(minutes=9)

    clock.advance(ended + timedelta(minutes=5) - clock.now())
    early = await hub.post(f"/api/follow-ups/{task.id}", json=answers)
    assert early.status == 409, await early.text()
    message = (await early.json())["message"]
    assert "72 hours after the call ended" in message
    assert f"{(ended + timedelta(hours=72)).astimezone(LONDON):%d %B %Y %H:%M}" in message

    clock.advance(WRAP_UP_STARTED + timedelta(hours=72) - clock.now())  # 9 min short of the end
    await sign_in(hub, world.nurse.username)
    assert await (await hub.get("/api/follow-ups")).json() == []  # not yet due
    assert (await hub.post(f"/api/follow-ups/{task.id}", json=answers)).status == 409
    async with db.session() as s:
        call = await s.get(Call, call_id, populate_existing=True)
        assert call is not None and (call.ed_within_72h, call.admitted_within_72h) == (
            "unknown",
            "unknown",
        )
        still = await s.get(FollowUpTask, task.id, populate_existing=True)
        assert still is not None and still.completed_at is None

    clock.advance(ended + timedelta(hours=72) - clock.now())
    assert [t["id"] for t in await (await hub.get("/api/follow-ups")).json()] == [task.id]
    recorded = await hub.post(f"/api/follow-ups/{task.id}", json=answers)
    assert recorded.status == 200, await recorded.text()


async def test_the_follow_up_form_page_names_a_missing_answer(
    hub: TestClient, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    clock.advance(timedelta(hours=73))
    await sign_in(hub, world.nurse.username)
    task = (await (await hub.get("/api/follow-ups")).json())[0]
    refused = await hub.post(
        f"/console/follow-ups/{task['id']}", data={"ed_within_72h": "no"}, allow_redirects=False
    )
    assert refused.status == 422
    assert "Select whether they were admitted within 72 hours" in await refused.text()
    done = await hub.post(
        f"/console/follow-ups/{task['id']}",
        data={"ed_within_72h": "no", "admitted_within_72h": "yes"},
        allow_redirects=False,
    )
    assert done.status == 303
