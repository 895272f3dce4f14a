"""The access-control matrix over the websocket: every command, sent by every kind of
caller, aimed at the caller's own care home (A) and at another (B), answers as
tests/support/access_matrix.py says."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.auth.service import user_principal
from hub.realtime.context import REALTIME
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    User,
)
from support.access_matrix import CALLERS, COMMANDS
from support.walk import (
    STATUS_OF,
    Matrix,
    Target,
    build_matrix,
    matrix_cell,
    on_sqlite_only,
    unthrottled,
)
from support.world import World
from telehub_client import CommandFailed, HubConnection


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """The walk signs in, and tries enrolment codes, dozens of times from one address: the
    rate limits are not what it checks (tests/integration/test_throttling.py does)."""
    return unthrottled(settings)


def _command_types(app: web.Application) -> set[str]:
    return set(app[REALTIME].dispatcher.rules)


SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def _frame(m: Matrix, type_: str, t: Target) -> dict[str, Any]:
    """A well-formed command of ``type_`` aimed at ``t``'s care home."""
    h = t.home
    call = {"call_id": h.call.id}
    peer = {**call, "to": f"user:{m.world.nurse.id}"}
    frames: dict[str, dict[str, Any]] = {
        "call/start": {
            "client_call_id": str(uuid.uuid4()),
            "person_id": h.resident.id,
            "channel": "care_home",
            "reason": "fall_no_injury",
            "home_intent": "gp_urgent",
        },
        "call/hold": {**call, "on": True},
        "call/retriage": {**call, "priority": 3},
        "call/quality": {**call, "video_seconds": 60, "audio_only_seconds": 0},
        "call/transfer": {**call, "to_user_id": m.world.nurse.id},
        "call/invite": {**call, "user_id": m.world.specialist.id},
        "call/close": {
            **call,
            "disposition": "managed_in_place",
            "nurse_counterfactual": "admission",
            "clinical_note": "note",
        },
        "queue/unsubscribe": {"subscription": 999},
        "signal/offer": {**peer, "sdp": SDP},
        "signal/answer": {**peer, "sdp": SDP},
        "signal/candidate": {**peer, "candidate": {"candidate": ""}},
        "signal/hangup": peer,
        "signal/media": {**peer, "video": False, "why": "weak_connection"},
        "message/send": {
            "site_id": h.site.id,
            "client_message_id": str(uuid.uuid4()),
            "body": "from the access matrix",
        },
        "message/sync": {"after_seq": 0},
        "message/ack": {"seq": 0},
        "echo/start": {"sdp": SDP},
        "echo/stop": {"echo_id": "none"},
        "presence/set": {"status": "available"},
    }
    if type_ in frames:
        return frames[type_]
    return call if type_.startswith("call/") else {}


async def _sockets(client: TestClient, m: Matrix) -> dict[str, HubConnection]:
    identity = client.server.app[SERVICES].identity
    url = str(client.make_url("/ws")).replace("http://", "ws://")
    users = {
        "hub_nurse": m.world.nurse,
        "specialist": m.world.specialist,
        "clinical_lead": m.lead,
        "hub_admin": m.world.admin,
        "commissioner": m.world.commissioner_user_a,
        "care_home_staff": m.world.home_a.staff,
    }
    sockets = {}
    for caller, user in users.items():

        async def auth(user: User = user) -> dict[str, Any]:
            ticket, _ = await identity.issue_ticket(user_principal(user))
            return {"type": "auth", "ticket": ticket}

        sockets[caller] = await HubConnection.open(url, auth)

    async def device_auth() -> dict[str, Any]:
        return {"type": "auth", "credential": m.credential}

    sockets["device"] = await HubConnection.open(url, device_auth)
    return sockets


async def _outcome(conn: HubConnection, type_: str, frame: dict[str, Any]) -> str:
    try:
        await conn.command(type_, **frame)
    except CommandFailed as exc:
        return STATUS_OF.get(exc.code, exc.code)
    return "ok"


async def test_every_command_answers_every_caller_as_the_matrix_says(
    client: TestClient, world: World, db: Database, backend: str
) -> None:
    on_sqlite_only(backend)
    types = _command_types(client.server.app)
    assert types == set(COMMANDS), (
        f"commands without a row in access_matrix.COMMANDS: {sorted(types - set(COMMANDS))}; "
        f"rows for commands the hub no longer has: {sorted(set(COMMANDS) - types)}"
    )
    m = await build_matrix(client, world, db)
    sockets = await _sockets(client, m)
    found = {}
    try:
        for type_ in sorted(types):
            cells = []
            for caller in CALLERS[:-1]:  # a socket must sign in before any command
                conn = sockets[caller]
                own = await _outcome(conn, type_, _frame(m, type_, m.own))
                other = await _outcome(conn, type_, _frame(m, type_, m.other))
                cells.append(matrix_cell(own, other))
            found[type_] = " ".join(cells)
    finally:
        for conn in sockets.values():
            await conn.close()
    wrong = {k: (COMMANDS[k], v) for k, v in found.items() if COMMANDS[k] != v}
    assert not wrong, "answers that differ from access_matrix.COMMANDS (expected, got):\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in wrong.items())
    )
