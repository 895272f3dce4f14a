"""A nurse wraps up a call (a draft that survives a closed tab, a record refused while a
required field is missing), the 72-hour follow-up confirms what it claimed, corrections are
appended, never edited, and the record, history, resident summary and shift read back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select

from hub.app import create_app
from hub.clock import LONDON, FakeClock, as_utc
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    Amendment,
    AuditEvent,
    Call,
    FollowUpTask,
    Outcome,
    WrapUpDraft,
)
from schemas.codes import CallState, HomeIntent
from support.calls import call_in_wrap_up
from support.world import NOW, World, sign_in

STARTED = NOW + timedelta(minutes=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW + timedelta(minutes=20))


@pytest.fixture
async def hub(settings: HubSettings, world: World, clock: FakeClock) -> AsyncIterator[TestClient]:
    """The app on a fake clock, signed in as the nurse."""
    async with TestClient(TestServer(create_app(settings, clock=clock))) as client:
        await sign_in(client, world.nurse.username)
        yield client


async def _call_in_wrap_up(
    db: Database, world: World, *, home_intent: HomeIntent = HomeIntent.AMBULANCE_999
) -> str:
    return await call_in_wrap_up(db, world, started=STARTED, home_intent=home_intent)


COMPLETE = {
    "disposition": "managed_in_place",
    "nurse_counterfactual": "admission",
    "escalations": ["gp_contacted"],
    "clinical_note": "Chest clear after nebuliser; GP to review tomorrow.",
}


async def test_a_draft_survives_a_closed_tab_and_a_stale_save_never_overwrites_it(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    fresh = await (await hub.get(f"/api/calls/{call_id}/wrap-up")).json()
    assert fresh["revision"] == 0 and fresh["saved_at"] is None
    assert fresh["missing"] == ["disposition", "nurse_counterfactual", "clinical_note"]

    saved = await hub.put(
        f"/api/calls/{call_id}/wrap-up",
        json={"disposition": "managed_in_place", "clinical_note": "Chest clear", "revision": 0},
    )
    assert saved.status == 200, await saved.text()
    body = await saved.json()
    assert body["revision"] == 1 and body["missing"] == ["nurse_counterfactual"]
    # home intent 999, managed in place: claims an avoided ambulance and A&E attendance
    assert body["follow_up_default"] is True
    assert "Avoided ambulance call-out" in body["claims"]

    # the acknowledged draft is in the database: a new tab (a new session) reads it back
    async with db.session() as s:
        stored = await s.get(WrapUpDraft, (call_id, world.nurse.id))
        assert stored is not None and stored.answers["clinical_note"] == "Chest clear"
    again = await (await hub.get(f"/api/calls/{call_id}/wrap-up")).json()
    assert again["answers"]["disposition"] == "managed_in_place" and again["revision"] == 1

    stale = await hub.put(
        f"/api/calls/{call_id}/wrap-up", json={"clinical_note": "older text", "revision": 0}
    )
    assert stale.status == 409
    assert (await (await hub.get(f"/api/calls/{call_id}/wrap-up")).json())["answers"][
        "clinical_note"
    ] == "Chest clear"


@pytest.mark.parametrize(
    ("left_out", "named"),
    [
        ("disposition", "disposition"),
        ("nurse_counterfactual", "nurse_counterfactual"),
        ("clinical_note", "clinical_note"),
    ],
)
async def test_the_record_is_refused_while_a_required_field_is_missing_and_names_it(
    hub: TestClient, db: Database, world: World, left_out: str, named: str
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    answers = {k: v for k, v in COMPLETE.items() if k != left_out}
    response = await hub.post(f"/api/calls/{call_id}/outcome", json=answers)
    assert response.status == 422
    error = await response.json()
    assert error["field"] == named
    assert named.split("_")[-1] in error["message"].lower()
    async with db.session() as s:
        call = await s.get(Call, call_id)
        assert call is not None and call.state == CallState.WRAP_UP
        assert await s.get(Outcome, call_id) is None


async def test_every_missing_field_is_counted_and_a_blank_note_is_missing(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    response = await hub.post(f"/api/calls/{call_id}/outcome", json={"clinical_note": "   "})
    error = await response.json()
    assert response.status == 422 and error["field"] == "disposition"
    assert "and 2 more required fields" in error["message"]


async def test_the_record_closes_the_call_makes_the_follow_up_and_drops_the_draft(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    await hub.put(f"/api/calls/{call_id}/wrap-up", json={**COMPLETE, "revision": 0})
    response = await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
    assert response.status == 201, await response.text()
    assert (await response.json())["state"] == "closed"
    async with db.session() as s:
        call = await s.get(Call, call_id)
        assert call is not None and call.disposition == "managed_in_place"
        outcome = await s.get(Outcome, call_id)
        assert outcome is not None and outcome.follow_up_needed is True
        task = (await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call_id))).one()
        # 72 hours after the call ENDED (the nurse ended it 9 minutes after it started)
        assert as_utc(task.due_at) == STARTED + timedelta(minutes=9, hours=72)
        assert await s.get(WrapUpDraft, (call_id, world.nurse.id)) is None
    again = await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
    assert again.status == 409


async def test_only_the_nurse_who_took_the_call_wraps_it_up(
    settings: HubSettings, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    async with TestClient(TestServer(create_app(settings, clock=clock))) as other:
        await sign_in(other, world.specialist.username)
        assert (await other.get(f"/api/calls/{call_id}/wrap-up")).status == 403
        await sign_in(other, world.home_a.staff.username)
        assert (await other.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)).status == 403


async def test_the_follow_up_is_due_72_hours_later_and_confirms_the_calls_measures(
    hub: TestClient, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
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
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
    async with db.session() as s:
        task = (await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call_id))).one()
    answers = {"ed_within_72h": "no", "admitted_within_72h": "no", "method": "callback"}
    ended = STARTED + timedelta(minutes=9)

    clock.advance(ended + timedelta(minutes=5) - clock.now())
    early = await hub.post(f"/api/follow-ups/{task.id}", json=answers)
    assert early.status == 409, await early.text()
    message = (await early.json())["message"]
    assert "72 hours after the call ended" in message
    assert f"{(ended + timedelta(hours=72)).astimezone(LONDON):%d %B %Y %H:%M}" in message

    clock.advance(STARTED + timedelta(hours=72) - clock.now())  # 9 min short of the end
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


async def test_a_correction_is_appended_and_the_recorded_outcome_is_never_edited(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    early = await hub.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "disposition", "new_value": "gp_followup", "reason": "typo"},
    )
    assert early.status == 409  # not closed yet: finish the wrap-up instead
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)

    bad = await hub.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "disposition", "new_value": "teleport", "reason": "typo"},
    )
    assert bad.status == 422 and (await bad.json())["field"] == "new_value"
    done = await hub.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "disposition", "new_value": "gp_followup", "reason": "GP visited after"},
    )
    assert done.status == 201, await done.text()
    body = await done.json()
    assert body["old_value"] == "Managed in place" and body["new_value"] == "Referred to GP"
    note = await hub.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "clinical_note", "new_value": "Daughter informed.", "reason": "omitted"},
    )
    assert note.status == 201
    async with db.session() as s:
        outcome = await s.get(Outcome, call_id)
        call = await s.get(Call, call_id)
        assert outcome is not None and call is not None
        assert outcome.disposition == "managed_in_place"  # the record as first made
        assert outcome.clinical_note == COMPLETE["clinical_note"]
        assert call.disposition == "gp_followup"  # what the reports count
        amendments = (
            await s.exec(
                select(Amendment).where(Amendment.call_id == call_id).order_by(col(Amendment.id))
            )
        ).all()
        assert [a.field for a in amendments] == ["disposition", "clinical_note"]
    record = await (await hub.get(f"/api/calls/{call_id}/record")).json()
    assert record["outcome"]["disposition"] == "managed_in_place"
    assert record["disposition"] == "gp_followup"
    assert len(record["amendments"]) == 2


async def test_the_record_tells_the_calls_story_in_order(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
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
    ids = [await _call_in_wrap_up(db, world) for _ in range(6)]
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
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
    day = STARTED.date().isoformat()

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
    call_id = await _call_in_wrap_up(db, world)
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
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
    assert (await hub.get("/api/shift")).status == 403  # the nurse: admin only
    async with TestClient(TestServer(create_app(settings, clock=clock))) as admin:
        await sign_in(admin, world.admin.username)
        view = await (await admin.get("/api/shift")).json()
        assert view["answered_today"] == 1 and view["median_answer_seconds"] == 95
        assert view["within_target"] == 1 and view["waiting"] == 0
        nurse = next(n for n in view["per_nurse"] if n["user_id"] == world.nurse.id)
        assert (nurse["answered"], nurse["closed"]) == (1, 1)
        page = await admin.get("/admin/shift")
        assert page.status == 200 and "Calls per nurse today" in await page.text()


async def test_the_follow_up_form_page_names_a_missing_answer(
    hub: TestClient, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await _call_in_wrap_up(db, world)
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE)
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
