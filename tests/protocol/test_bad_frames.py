"""Frames the security review fuzzed: huge integers, JSON nested past any sense, text no
database stores (a NUL, which PostgreSQL refuses; half a surrogate pair), and floods of
invalid frames. Each gets a typed error frame naming the field (never ``internal``), echoing
the command's id, a flood is charged to the socket's budget like any command, and none leaves
a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import websockets

from schemas.export import documents
from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed, HubConnection

HUGE = 2**64  # past a BIGINT column
COMMANDS = documents()["client-command.json"]


async def _refusal(conn: HubConnection, type_: str, **fields: Any) -> CommandFailed:
    with pytest.raises(CommandFailed) as caught:
        await conn.command(type_, **fields)
    return caught.value


async def _next_error(conn: HubConnection, raw: str) -> dict[str, Any]:
    await conn.send_raw(raw)
    async with asyncio.timeout(10):
        while True:
            frame = await conn.events.get()
            if frame["type"] == "error":
                return dict(frame["error"])


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_huge_integers_in_commands_are_refused_by_name(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    tablet = await hub.device()
    nurse = await hub.staff(hub.world.nurse)
    call = hub.world.home_a.call.id
    cases = [
        (tablet, "call/start", call_request(hub, person_id=HUGE), "person_id"),
        (tablet, "message/ack", {"seq": HUGE}, "seq"),
        (tablet, "message/sync", {"after_seq": HUGE}, "after_seq"),
        (
            tablet,
            "message/send",
            {"client_message_id": "m", "body": "x", "photo_id": HUGE},
            "photo_id",
        ),
        (nurse, "call/transfer", {"call_id": call, "to_user_id": HUGE}, "to_user_id"),
        (nurse, "call/invite", {"call_id": call, "user_id": HUGE}, "user_id"),
        (nurse, "queue/unsubscribe", {"subscription": HUGE}, "subscription"),
    ]
    for conn, type_, fields, field in cases:
        refused = await _refusal(conn, type_, **fields)
        assert (refused.code, refused.field) == ("invalid_message", field), (type_, refused)
    huge_id = await _next_error(tablet, json.dumps({"type": "ping", "id": HUGE}))
    assert (huge_id["code"], huge_id["field"]) == ("invalid_message", "id")
    assert await tablet.command("ping") == {"pong": True}
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(
    "raw",
    ['{"type": "ping", "id": 900, "x": ' + "[" * 50_000 + "]" * 50_000 + "}", "[" * 100_000],
    ids=["deep-inside-a-command", "deep-array"],
)
async def test_deeply_nested_json_is_a_typed_error_without_a_traceback(
    hub: RunningHub, caplog: pytest.LogCaptureFixture, raw: str
) -> None:
    tablet = await hub.device()
    error = await _next_error(tablet, raw)
    assert error["code"] == "invalid_message", error
    assert await tablet.command("ping") == {"pong": True}
    assert _tracebacks(caplog) == []


async def test_a_deeply_nested_auth_frame_is_refused_as_unauthorised(hub: RunningHub) -> None:
    async with websockets.connect(hub.url) as ws:
        await ws.send('{"type": "auth", "ticket": ' + "[" * 100_000 + "}")
        frame = json.loads(await ws.recv())
    assert frame["type"] == "auth_invalid" and frame["error"]["code"] == "unauthorised"


async def test_a_flood_of_invalid_frames_is_charged_to_the_budget_and_logs_nothing(
    settings: Any, world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from support.hub import running_hub
    from support.world import NOW

    # The default burst, refilling too slowly to matter within the test.
    slow = settings.model_copy(update={"command_rate_per_second": 0.001})
    async with running_hub(slow, world, NOW) as hub:
        tablet = await hub.device()
        for n in range(3000):
            await tablet.send_raw('{"type": "ping", "id": "not a number", "n": ' + str(n) + "}")
            await tablet.send_raw("{not json")
        codes: dict[str, int] = {}
        async with asyncio.timeout(60):
            while sum(codes.values()) < 6000:
                frame = await tablet.events.get()
                if frame["type"] == "error":
                    code = frame["error"]["code"]
                    codes[code] = codes.get(code, 0) + 1
        assert codes.get("rate_limited", 0) >= 6000 - slow.command_burst, codes
        assert codes.get("internal", 0) == 0
        # A well-formed command from the same socket is refused too, and says which.
        refused = await _refusal(tablet, "ping")
        assert refused.code == "rate_limited"
    assert _tracebacks(caplog) == []


def _fields(type_: str) -> list[str]:
    name = COMMANDS["discriminator"]["mapping"][type_].split("/")[-1]
    return [f for f in COMMANDS["$defs"][name]["properties"] if f not in ("id", "type")]


async def test_a_nul_in_any_field_of_any_command_is_refused_by_name(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    """On PostgreSQL a NUL reached the query and failed as ``internal`` (and its refusal's
    audit row failed too); now every command refuses it first, on both engines."""
    nurse = await hub.staff(hub.world.nurse)
    call = hub.world.home_a.call.id
    for type_ in COMMANDS["discriminator"]["mapping"]:
        for field in _fields(type_):
            fields = {"call_id": call} if "call_id" in _fields(type_) else {}
            refused = await _refusal(nurse, type_, **{**fields, field: "a\x00b"})
            assert (refused.code, refused.field) == ("invalid_message", field), (type_, refused)
    nested = await _refusal(
        nurse, "message/send", call_id=call, client_message_id="m", body="x", extra={"k": "\x00"}
    )
    assert (nested.code, nested.field) == ("invalid_message", "extra.k")
    assert "NUL" in nested.message
    # A surrogate pair (an emoji, escaped) and a backslash-u written as text pass the check.
    passed = await _refusal(nurse, "call/get", call_id="\U0001f600 \\u0000")
    assert passed.code == "not_found"
    assert _tracebacks(caplog) == []


async def test_half_a_surrogate_pair_is_refused_echoing_the_commands_id(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    """Not JSON the hub can read: refused, and (new) with the command's id, so the client
    hears which command it was instead of waiting for an answer that never comes."""
    tablet = await hub.device()
    async with asyncio.timeout(10):  # before, no answer ever came
        refused = await _refusal(tablet, "message/send", client_message_id="m", body="\ud800")
    assert refused.code == "invalid_message"
    assert await tablet.command("ping") == {"pong": True}
    assert _tracebacks(caplog) == []
