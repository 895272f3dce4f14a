"""A nurse wraps up a call: a draft that survives a closed tab, a record refused while a
required field is missing, the record closing the call, and corrections appended, never
edited. The 72-hour follow-up is test_outcomes_follow_up.py; reading the record back
test_outcomes_reads.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.app import create_app
from hub.clock import FakeClock, as_utc
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    Amendment,
    Call,
    FollowUpTask,
    Outcome,
    WrapUpDraft,
)
from schemas.codes import CallState
from support.calls import COMPLETE_OUTCOME, WRAP_UP_STARTED, wrap_up_call
from support.hub import HubServer
from support.world import World, sign_in


async def test_a_draft_survives_a_closed_tab_and_a_stale_save_never_overwrites_it(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
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
    call_id = await wrap_up_call(db, world)
    answers = {k: v for k, v in COMPLETE_OUTCOME.items() if k != left_out}
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
    call_id = await wrap_up_call(db, world)
    response = await hub.post(f"/api/calls/{call_id}/outcome", json={"clinical_note": "   "})
    error = await response.json()
    assert response.status == 422 and error["field"] == "disposition"
    assert "and 2 more required fields" in error["message"]


async def test_the_record_closes_the_call_makes_the_follow_up_and_drops_the_draft(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
    await hub.put(f"/api/calls/{call_id}/wrap-up", json={**COMPLETE_OUTCOME, "revision": 0})
    response = await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    assert response.status == 201, await response.text()
    assert (await response.json())["state"] == "closed"
    async with db.session() as s:
        call = await s.get(Call, call_id)
        assert call is not None and call.disposition == "managed_in_place"
        outcome = await s.get(Outcome, call_id)
        assert outcome is not None and outcome.follow_up_needed is True
        task = (await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call_id))).one()
        # 72 hours after the call ENDED (the nurse ended it 9 minutes after it started)
        assert as_utc(task.due_at) == WRAP_UP_STARTED + timedelta(minutes=9, hours=72)
        assert await s.get(WrapUpDraft, (call_id, world.nurse.id)) is None
    again = await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
    assert again.status == 409


async def test_only_the_nurse_who_took_the_call_wraps_it_up(
    settings: HubSettings, db: Database, world: World, clock: FakeClock
) -> None:
    call_id = await wrap_up_call(db, world)
    async with TestClient(HubServer(create_app(settings, clock=clock))) as other:
        await sign_in(other, world.specialist.username)
        assert (await other.get(f"/api/calls/{call_id}/wrap-up")).status == 403
        await sign_in(other, world.home_a.staff.username)
        assert (
            await other.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)
        ).status == 403


async def test_a_correction_is_appended_and_the_recorded_outcome_is_never_edited(
    hub: TestClient, db: Database, world: World
) -> None:
    call_id = await wrap_up_call(db, world)
    early = await hub.post(
        f"/api/calls/{call_id}/amendments",
        json={"field": "disposition", "new_value": "gp_followup", "reason": "typo"},
    )
    assert early.status == 409  # not closed yet: finish the wrap-up instead
    await hub.post(f"/api/calls/{call_id}/outcome", json=COMPLETE_OUTCOME)

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
        assert outcome.clinical_note == COMPLETE_OUTCOME["clinical_note"]
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
