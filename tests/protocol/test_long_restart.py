"""A hub that was down longer than the resume window (issue 16 item 1): its downtime is
not counted against anyone, and a call whose participants are all gone goes to wrap-up
for its nurse, who can always see and finish it. Two apps on one database, one after the
other, as a restart is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from hub.auth.service import user_principal
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Call, CallEvent
from support.calls import call_request
from support.hub import RunningHub, running_hub
from support.world import NOW, World
from telehub_client import HubConnection

DOWN = timedelta(seconds=90)  # longer than the 60 s resume window


async def _open_call(hub: RunningHub, left_open: list[HubConnection]) -> tuple[str, str]:
    """A tablet's call, accepted by the world's nurse; returns (call id, tablet credential).
    Their sockets stay open until the hub goes (they are not the hub's to close)."""
    credential = await hub.device_credential()
    tablet = await HubConnection.open(hub.url, _device_auth(credential))
    nurse = await _staff(hub, keep=False)
    left_open += [tablet, nurse]
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    return call["id"], credential


def _device_auth(credential: str) -> Any:
    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    return auth


async def _staff(hub: RunningHub, keep: bool = True) -> HubConnection:
    identity = hub.app[SERVICES].identity

    async def auth() -> dict[str, Any]:
        ticket, _ = await identity.issue_ticket(user_principal(hub.world.nurse))
        return {"type": "auth", "ticket": ticket}

    conn = await HubConnection.open(hub.url, auth)
    if keep:
        hub.opened.append(conn)
    return conn


async def test_a_hub_back_after_longer_than_the_window_keeps_every_call(
    settings: HubSettings, world: World, db: Database
) -> None:
    left_open: list[HubConnection] = []
    async with running_hub(settings, world, NOW) as before:
        call_id, credential = await _open_call(before, left_open)
    for conn in left_open:
        await conn.close()
    async with running_hub(settings, world, NOW + DOWN) as after:
        await after.services.timers.sweep()  # the first sweep after the restart
        tablet = await HubConnection.open(after.url, _device_auth(credential))
        after.opened.append(tablet)
        nurse = await _staff(after)
        assert [c["id"] for c in tablet.auth_ok["calls"]] == [call_id]
        assert [(c["id"], c["state"]) for c in nurse.auth_ok["calls"]] == [(call_id, "connected")]
        connected = [p["connected"] for p in nurse.auth_ok["calls"][0]["participants"]]
        assert connected == [True, True]


async def test_a_call_everyone_lost_goes_to_wrap_up_and_its_nurse_finishes_it(
    settings: HubSettings, world: World, db: Database
) -> None:
    left_open: list[HubConnection] = []
    async with running_hub(settings, world, NOW) as before:
        call_id, _ = await _open_call(before, left_open)
    for conn in left_open:
        await conn.close()
    async with running_hub(settings, world, NOW + DOWN) as after:
        await after.services.timers.sweep()
        window = after.services.settings.resume_window_seconds
        after.clock.advance(timedelta(seconds=window + 1))  # nobody came back in time
        await after.services.timers.sweep()
        async with db.session() as s:
            call = await s.get(Call, call_id, populate_existing=True)
            assert call is not None and call.state == "wrap_up"
            kinds = (await s.exec(select(CallEvent.kind).where(CallEvent.call_id == call_id))).all()
        assert "abandoned" in kinds  # with the reason, in the call's events
        nurse = await _staff(after)
        assert [(c["id"], c["state"]) for c in nurse.auth_ok["calls"]] == [(call_id, "wrap_up")]
        closed = await nurse.command(
            "call/close",
            call_id=call_id,
            disposition="managed_in_place",
            nurse_counterfactual="admission",
            clinical_note="Lost the call during a hub outage; rang the home back.",
        )
        assert closed["state"] == "closed"
        tablet = await after.device()
        second = await tablet.command("call/start", **call_request(after, n=2))
        accepted = await nurse.command("call/accept", call_id=second["id"])
        assert accepted["state"] == "connected"  # not "finish your current call first"
