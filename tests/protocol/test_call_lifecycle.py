"""A tablet calls, a nurse answers, a specialist joins and leaves, the nurse transfers the
call, it ends and closes: every step seen live by the right people and kept in the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from hub.outcomes.record import CallRecordService
from hub.services import SERVICES
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, CallEvent, Escalation, FollowUpTask, Outcome
from support.calls import CALL, call_request
from support.hub import RunningHub
from telehub_client import CommandFailed


async def test_a_tablet_calls_and_every_transition_is_recorded(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    nurse = await hub.staff(world.nurse)
    queue = await nurse.command("queue/subscribe")
    assert queue["entries"] == []

    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    assert call["state"] == "queued"
    # NEWS2: RR 24 → 2, SpO2 92 → 2, pulse 112 → 2, SBP 104 → 1, temp 38.4 → 1: 8, high
    assert call["news2"]["total"] == 8 and call["news2"]["band"] == "high"
    assert call["priority"] == 3 and "breathless" in call["sbard"]

    seen = await nurse.next_event("queue", lambda e: len(e["entries"]) == 1)
    entry = seen["entries"][0]
    assert entry["call"]["id"] == call["id"] and entry["position"] == 1
    assert entry["call"]["concern"] == CALL["concern"]

    connected = await nurse.command("call/accept", call_id=call["id"])
    assert connected["state"] == "connected" and connected["nurse_name"] == "Nurse.One"
    on_tablet = await tablet.next_event("call", lambda e: e["call"]["state"] == "connected")
    assert {p["role"] for p in on_tablet["call"]["participants"]} == {"caller", "nurse"}

    # signalling is relayed between the call's participants only
    tablet_key = hub.realtime.registry and on_tablet["call"]["participants"][0]["key"]
    await nurse.command("signal/offer", call_id=call["id"], to=tablet_key, sdp="v=0 offer")
    offer = await tablet.next_event("signal")
    assert offer["signal"] == {"kind": "offer", "sdp": "v=0 offer", "ice_restart": False}
    assert offer["from_key"] == f"user:{world.nurse.id}"

    specialist = await hub.staff(world.specialist)
    await nurse.command("call/invite", call_id=call["id"], user_id=world.specialist.id)
    ring = await specialist.next_event("ring")
    assert ring["why"] == "specialist" and ring["call"]["id"] == call["id"]
    hub.clock.advance(timedelta(seconds=42))
    joined = await specialist.command("call/join", call_id=call["id"])
    assert len([p for p in joined["participants"] if p["connected"]]) == 3
    await specialist.command(
        "signal/candidate",
        call_id=call["id"],
        to=tablet_key,
        candidate={
            "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        },
    )
    assert (await tablet.next_event("signal"))["signal"]["kind"] == "candidate"
    await specialist.command("call/leave", call_id=call["id"])

    # a second nurse takes the call over
    from support.world import _user  # noqa: PLC0415

    nurse_two_user = _user("nurse.two", __import__("schemas.codes").codes.Role.HUB_NURSE, world.hub)
    async with db.session() as s:
        s.add(nurse_two_user)
    nurse_two = await hub.staff(nurse_two_user)
    await nurse.command("call/transfer", call_id=call["id"], to_user_id=nurse_two_user.id)
    transfer_ring = await nurse_two.next_event("ring")
    assert transfer_ring["why"] == "transfer"
    with pytest.raises(CommandFailed) as not_yours:
        await nurse.command("call/accept", call_id=call["id"])
    assert not_yours.value.code == "conflict" and "Nurse.Two" in not_yours.value.message
    await nurse_two.command("call/accept", call_id=call["id"])
    ended = await nurse_two.command("call/end", call_id=call["id"])
    assert ended["state"] == "wrap_up"
    closed = await nurse_two.command(
        "call/close",
        call_id=call["id"],
        disposition="managed_in_place",
        nurse_counterfactual="admission",
        escalations=["specialist_joined"],
        clinical_note="Chest clear on video; oral antibiotics; obs 4-hourly.",
    )
    assert closed["state"] == "closed"

    async with db.session() as s:
        stored = await s.get(Call, call["id"])
        events = (
            await s.exec(
                select(CallEvent).where(CallEvent.call_id == call["id"]).order_by(col(CallEvent.id))
            )
        ).all()
        outcome = await s.get(Outcome, call["id"])
        escalations = (
            await s.exec(select(Escalation).where(Escalation.call_id == call["id"]))
        ).all()
        follow_ups = (
            await s.exec(select(FollowUpTask).where(FollowUpTask.call_id == call["id"]))
        ).all()
    assert stored is not None and stored.disposition == "managed_in_place"
    assert [(e.from_state, e.to_state) for e in events if e.kind == "state"] == [
        (None, "requested"),
        ("requested", "queued"),
        ("queued", "connected"),
        ("connected", "ringing"),
        ("ringing", "connected"),
        ("connected", "wrap_up"),
        ("wrap_up", "closed"),
    ]
    kinds = [e.kind for e in events if e.kind != "state"]
    assert kinds == ["specialist_invited", "specialist_joined", "specialist_left", "transferred"]
    joined_event = next(e for e in events if e.kind == "specialist_joined")
    assert joined_event.detail == {"seconds_to_join": 42.0}
    assert outcome is not None and outcome.follow_up_needed  # avoided admission claimed
    assert len(follow_ups) == 1
    assert [e.code for e in escalations] == ["specialist_joined"]  # the hub's, once (#18)


async def test_two_nurses_accepting_at_once_give_exactly_one_winner(hub: RunningHub) -> None:
    world = hub.world
    from schemas.codes import Role
    from support.world import _user  # noqa: PLC0415

    other = _user("nurse.race", Role.HUB_NURSE, world.hub)
    async with hub.services.calls.db.session() as s:
        s.add(other)
    first, second = await hub.staff(world.nurse), await hub.staff(other)
    tablet = await hub.device()
    for n in range(100):
        call = await tablet.command("call/start", **call_request(hub, n))
        results = await asyncio.gather(
            first.command("call/accept", call_id=call["id"]),
            second.command("call/accept", call_id=call["id"]),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, dict)]
        losers = [r for r in results if isinstance(r, CommandFailed)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].code == "conflict" and losers[0].message.startswith("Taken by")
        winner = first if results[0] is winners[0] else second
        await winner.command("call/end", call_id=call["id"])
        await winner.command(
            "call/close",
            call_id=call["id"],
            disposition="managed_in_place",
            nurse_counterfactual="gp_contact",
            clinical_note="ok",
        )


async def test_a_dropped_tablet_resumes_its_place_and_abandons_after_the_window(
    hub: RunningHub, db: Database
) -> None:
    tablet = await hub.device(resume_messages=False)
    call = await tablet.command("call/start", **call_request(hub))
    await tablet.drop()
    # it comes back inside the window: same call, still waiting
    again = await tablet.connect()
    assert [c["id"] for c in again["calls"]] == [call["id"]]
    assert again["calls"][0]["state"] == "queued"
    # a retried call/start with the same client id is the same call
    retried = await tablet.command("call/start", **call_request(hub))
    assert retried["id"] == call["id"]
    await tablet.drop()
    await hub.services.timers.sweep()  # inside the window: nothing happens
    async with db.session() as s:
        assert (await s.get(Call, call["id"], populate_existing=True)).state == "queued"
    hub.clock.advance(timedelta(seconds=hub.services.settings.resume_window_seconds + 1))
    await hub.services.timers.sweep()
    async with db.session() as s:
        assert (await s.get(Call, call["id"], populate_existing=True)).state == "abandoned"


async def test_a_call_past_the_answer_target_is_flagged_to_every_nurse(hub: RunningHub) -> None:
    nurse = await hub.staff(hub.world.nurse)
    await nurse.command("queue/subscribe")
    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    hub.clock.advance(timedelta(seconds=hub.services.settings.answer_target_seconds + 5))
    await tablet.command("ping")  # keep the tablet's socket fresh
    await hub.services.timers.sweep()
    overdue = await nurse.next_event("overdue")
    assert overdue["call_id"] == call["id"] and overdue["waited_seconds"] >= 300
    flagged = await nurse.next_event("queue", lambda e: e["entries"] and e["entries"][0]["overdue"])
    assert flagged["entries"][0]["call"]["id"] == call["id"]


async def test_a_member_of_staff_signs_a_tablet_call_with_their_pin(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    staff = world.home_a.staff
    identity = hub.app[SERVICES].identity
    await identity.set_pin(SYSTEM, staff.username, "2468")
    tablet = await hub.device()

    # A wrong PIN: refused with the field named, and no call is made.
    with pytest.raises(CommandFailed) as wrong:
        await tablet.command(
            "call/start", **call_request(hub, 1, caller_name=staff.display_name, caller_pin="1357")
        )
    assert (wrong.value.code, wrong.value.field) == ("invalid_message", "caller_pin")
    with pytest.raises(CommandFailed) as malformed:
        await tablet.command(
            "call/start", **call_request(hub, 2, caller_name=staff.display_name, caller_pin="12")
        )
    assert malformed.value.field == "caller_pin" and "4 to 8 digits" in malformed.value.message
    async with db.session() as s:
        made = (await s.exec(select(Call).where(col(Call.client_ref).like("device:%")))).all()
    assert made == []

    # The right PIN: the call's events name the member of staff, on that tablet.
    call = await tablet.command(
        "call/start",
        **call_request(hub, 3, caller_name=f" {staff.display_name.lower()} ", caller_pin="2468"),
    )
    assert call["participants"][0]["name"] == staff.display_name
    async with db.session() as s:
        requested = (
            await s.exec(
                select(CallEvent).where(
                    CallEvent.call_id == call["id"], CallEvent.to_state == "requested"
                )
            )
        ).one()
    assert requested.actor_user_id == staff.id and requested.actor_device_id is not None
    record = await CallRecordService(db, hub.clock).record(SYSTEM, call["id"])
    assert f"{staff.display_name} (PIN checked)" in (record.timeline[0].actor_name or "")

    # Signed-in staff have their own identity already: a PIN is for shared tablets.
    signed_in = await hub.staff(staff)
    with pytest.raises(CommandFailed) as not_a_tablet:
        await signed_in.command("call/start", **call_request(hub, 4, caller_pin="2468"))
    assert not_a_tablet.value.field == "caller_pin"
