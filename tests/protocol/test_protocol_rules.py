"""The websocket's rules: authenticate first, typed errors for anything malformed or not
allowed, and neither the connection nor the hub is harmed by a bad frame."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp import WSMsgType
from sqlmodel import func, select
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from hub.storage.engine import Database
from hub.storage.tables import Call, Message
from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed, HubConnection


async def _drain(ws: ClientConnection) -> list[dict[str, Any]]:
    """Everything the hub says until it closes the socket."""
    frames = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            frames.append(json.loads(await ws.recv()))
    return frames


async def _raw(hub: RunningHub, first: dict[str, Any] | str) -> tuple[list[dict[str, Any]], Any]:
    """Send one frame on a fresh socket; return what the hub said and how it closed."""
    async with websockets.connect(hub.url) as ws:
        await ws.send(first if isinstance(first, str) else json.dumps(first))
        return await _drain(ws), ws.close_code


@pytest.mark.parametrize(
    "first",
    [
        {"type": "auth", "ticket": "not-a-ticket"},
        {"type": "auth", "credential": "not-a-credential-at-all-xxxxxxxx"},
        {"type": "auth"},
        {"type": "call/start", "id": 1},
        "not json",
    ],
)
async def test_a_bad_first_frame_gets_a_typed_refusal_and_a_policy_close(
    hub: RunningHub, first: dict[str, Any] | str
) -> None:
    frames, code = await _raw(hub, first)
    assert frames == [{"type": "auth_invalid", "error": frames[0]["error"]}]
    assert frames[0]["error"]["code"] == "unauthorised"
    assert code == 1008
    assert hub.realtime.registry.connections == set()


async def test_a_ticket_works_once(hub: RunningHub) -> None:
    from hub.auth.service import user_principal
    from hub.services import SERVICES

    ticket, _ = await hub.app[SERVICES].identity.issue_ticket(user_principal(hub.world.nurse))
    async with websockets.connect(hub.url) as ws:
        await ws.send(json.dumps({"type": "auth", "ticket": ticket}))
        assert json.loads(await ws.recv())["type"] == "auth_ok"
    frames, code = await _raw(hub, {"type": "auth", "ticket": ticket})
    assert frames[0]["type"] == "auth_invalid" and code == 1008


async def test_silence_after_connecting_is_closed_at_the_auth_deadline(
    settings: Any, world: Any
) -> None:
    from support.hub import running_hub
    from support.world import NOW

    quick = settings.model_copy(update={"auth_timeout_seconds": 0.3})
    async with running_hub(quick, world, NOW) as hub, websockets.connect(hub.url) as ws:
        assert await _drain(ws) == [] and ws.close_code == 1008


async def test_a_client_that_stops_answering_pings_is_dropped_and_one_that_answers_is_kept(
    settings: Any, world: Any
) -> None:
    from support.hub import running_hub
    from support.world import NOW

    quick = settings.model_copy(update={"heartbeat_seconds": 1})
    async with running_hub(quick, world, NOW) as hub, aiohttp.ClientSession() as session:
        answering = await hub.device()  # the Python client answers pings, as browsers do
        credential = await hub.device_credential()
        async with session.ws_connect(hub.url, autoping=False) as mute:
            await mute.send_json({"type": "auth", "credential": credential})
            seen: list[WSMsgType] = []
            async with asyncio.timeout(10):
                while not mute.closed:
                    seen.append((await mute.receive()).type)
        assert WSMsgType.PING in seen, seen  # pinged, never answered, then cut off
        mute_keys = [c.key for c in hub.realtime.registry.connections]
        assert mute_keys == [answering.auth_ok["who"]["participant_key"]]
        assert await answering.command("ping") is not None  # pinged as often, and still here


async def test_a_ping_before_the_auth_frame_is_answered_and_auth_still_works(
    hub: RunningHub,
) -> None:
    credential = await hub.device_credential()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(hub.url, autoping=False) as ws,
    ):
        await ws.ping(b"early")
        pong = await ws.receive(timeout=10)
        assert (pong.type, pong.data) == (WSMsgType.PONG, b"early")
        await ws.send_json({"type": "auth", "credential": credential})
        assert (await ws.receive_json(timeout=10))["type"] == "auth_ok"


async def test_a_socket_past_its_command_budget_is_rate_limited_and_kept(
    settings: Any, world: Any
) -> None:
    from support.hub import running_hub
    from support.world import NOW

    # A budget of three commands that does not refill within the test.
    tight = settings.model_copy(update={"command_burst": 3, "command_rate_per_second": 0.001})
    async with running_hub(tight, world, NOW) as hub:
        tablet = await hub.device()
        for _ in range(3):
            assert await tablet.command("ping") == {"pong": True}
        await _expect(tablet, "rate_limited", "ping")
        await _expect(tablet, "rate_limited", "ping")
        assert [c.key for c in hub.realtime.registry.connections] == [
            tablet.auth_ok["who"]["participant_key"]
        ]


async def _expect(conn: HubConnection, code: str, type_: str, **fields: Any) -> CommandFailed:
    with pytest.raises(CommandFailed) as caught:
        await conn.command(type_, **fields)
    assert caught.value.code == code, caught.value
    return caught.value


async def _next_error(conn: HubConnection, raw: str | bytes) -> dict[str, Any]:
    await conn.send_raw(raw)
    async with asyncio.timeout(10):
        while True:
            frame = await conn.events.get()
            if frame["type"] == "error":
                return frame


async def test_garbage_is_answered_with_typed_errors_and_the_socket_survives(
    hub: RunningHub, db: Database
) -> None:
    tablet = await hub.device()
    assert (await _next_error(tablet, "{not json"))["error"]["code"] == "invalid_message"
    assert (await _next_error(tablet, "[1, 2]"))["error"]["code"] == "invalid_message"
    assert (await _next_error(tablet, b"\x00\x01"))["error"]["code"] == "invalid_message"
    no_id = await _next_error(tablet, json.dumps({"type": "ping"}))
    assert no_id["error"]["field"] == "id"
    huge = await _next_error(tablet, json.dumps({"type": "ping", "id": 500, "pad": "x" * 300_000}))
    assert "larger than" in huge["error"]["message"]
    await tablet.command("ping")  # still alive
    unknown = await _expect(tablet, "invalid_message", "call/teleport")
    assert unknown.field == "type"
    bad = await _expect(
        tablet, "invalid_message", "call/start", **call_request(hub, reason="sneezing")
    )
    assert bad.field == "reason"
    extra = await _expect(tablet, "invalid_message", "ping", surprise=True)
    assert extra.field == "surprise"
    # an id that does not increase is refused too
    frame = await _next_error(tablet, json.dumps({"type": "ping", "id": 1}))
    assert frame["error"]["field"] == "id"
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Call))).one() == 2  # the world's
    assert (await tablet.command("ping")) == {"pong": True}


async def test_commands_out_of_role_or_state_are_refused_and_change_nothing(
    hub: RunningHub, db: Database
) -> None:
    tablet = await hub.device()
    nurse = await hub.staff(hub.world.nurse)
    await _expect(tablet, "forbidden", "call/accept", call_id="x")
    await _expect(tablet, "forbidden", "queue/subscribe")
    await _expect(nurse, "forbidden", "call/start", **call_request(hub))
    call = await tablet.command("call/start", **call_request(hub))
    await _expect(nurse, "forbidden", "call/end", call_id=call["id"])  # not their call yet
    await tablet.command("call/cancel", call_id=call["id"])
    await _expect(nurse, "conflict", "call/accept", call_id=call["id"])
    await _expect(tablet, "invalid_state", "call/cancel", call_id=call["id"])
    # wrong channel for a care home
    await _expect(
        tablet, "invalid_message", "call/start", **call_request(hub, 9, channel="prison_urgent")
    )


async def test_another_sites_call_and_thread_are_out_of_reach(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    tablet_a = await hub.device("VHOMA")
    b_call = world.home_b.call.id
    await _expect(tablet_a, "not_found", "call/get", call_id=b_call)
    await _expect(tablet_a, "not_found", "call/cancel", call_id=b_call)
    await _expect(
        tablet_a,
        "not_found",
        "message/send",
        site_id=world.home_b.site.id,
        client_message_id="m-1",
        body="hello B",
    )
    await _expect(
        tablet_a,
        "not_found",
        "message/send",
        call_id=b_call,
        client_message_id="m-2",
        body="about your call",
    )
    other_resident = call_request(hub, person_id=world.home_b.resident.id)
    await _expect(tablet_a, "not_found", "call/start", **other_resident)
    await _expect(tablet_a, "forbidden", "signal/offer", call_id=b_call, to="device:1", sdp="x")
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Message))).one() == 2
        assert (await s.exec(select(func.count()).select_from(Call))).one() == 2
