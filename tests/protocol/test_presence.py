"""Who is on shift: a console checks in and every subscribed console hears what each member
of the hub's staff is doing, from their status and their part in a call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed


def _of(staff: list[dict[str, Any]], user_id: int | None) -> dict[str, Any]:
    return next(s for s in staff if s["user_id"] == user_id)


async def test_consoles_hear_who_is_on_shift_and_what_they_are_doing(hub: RunningHub) -> None:
    world = hub.world
    specialist = await hub.staff(world.specialist)
    roster = await specialist.command("presence/subscribe")
    assert _of(roster["staff"], world.nurse.id)["status"] == "offline"
    assert roster["heartbeat_seconds"] == 30

    nurse = await hub.staff(world.nurse)
    await nurse.command("presence/subscribe")
    await nurse.command("presence/set", status="available")
    heard = await specialist.next_event(
        "presence", lambda e: _of(e["staff"], world.nurse.id)["online"]
    )
    me = _of(heard["staff"], world.nurse.id)
    assert (me["status"], me["doing"], me["role"]) == ("available", "Available", "hub_nurse")

    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("queue/subscribe")
    await nurse.command("call/accept", call_id=call["id"])
    await nurse.command("presence/set", status="available")
    heard = await specialist.next_event(
        "presence", lambda e: _of(e["staff"], world.nurse.id)["call_id"] == call["id"]
    )
    assert _of(heard["staff"], world.nurse.id)["doing"] == "On a call · Home A"

    await nurse.command("call/invite", call_id=call["id"], user_id=world.specialist.id)
    await nurse.command("call/end", call_id=call["id"])
    await specialist.command("presence/set", status="on_break")
    heard = await nurse.next_event(
        "presence", lambda e: _of(e["staff"], world.specialist.id)["status"] == "on_break"
    )
    assert _of(heard["staff"], world.nurse.id)["doing"] == "Wrap-up · Home A"
    assert _of(heard["staff"], world.specialist.id)["doing"] == "On a break"

    # a console that stops checking in is taken to be closed
    hub.clock.advance(timedelta(seconds=90))
    await specialist.command("presence/set", status="available")
    heard = await specialist.next_event(
        "presence", lambda e: not _of(e["staff"], world.nurse.id)["online"]
    )
    assert _of(heard["staff"], world.nurse.id)["status"] == "offline"
    # ...but what they are part of still shows
    assert _of(heard["staff"], world.nurse.id)["doing"] == "Wrap-up · Home A"


async def test_only_hub_staff_see_the_shift(hub: RunningHub) -> None:
    tablet = await hub.device()
    with pytest.raises(CommandFailed) as refused:
        await tablet.command("presence/subscribe")
    assert refused.value.code == "forbidden"
    nurse = await hub.staff(hub.world.nurse)
    with pytest.raises(CommandFailed) as bad:
        await nurse.command("presence/set", status="asleep")
    assert bad.value.code == "invalid_message" and bad.value.field == "status"
