"""A patient is a caller: two patients of one own-home service, each with a device enrolled
to them. Patient one's device, through every HTTP route and every websocket command, cannot
read or receive anything of patient two's (resident list, summary, calls, thread, photos).
Live deliveries and enrolment are test_person_deliveries.py."""

from __future__ import annotations

import re
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.realtime.context import REALTIME
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent
from support.access_matrix import PERSON_COMMANDS, PERSON_ROUTES
from support.patients import PERSON_FIELDS, Patient, Service, device_socket, own_home_service
from support.walk import PNG, STATUS_OF, app_routes, unthrottled
from support.world import World
from telehub_client import CommandFailed


def _fill(path: str, service: Service, aim: Patient) -> str:
    values = {
        "person_id": aim.person.id,
        "call_id": aim.call_id,
        "site_id": service.site.id,
        "device_id": aim.device_id,
        "user_id": 1,
        "task_id": 1,
        "photo_id": aim.photo_id,
        "message_id": 1,
        "appointment_id": 1,  # none are booked: an unknown id must answer 404, not leak
        "clinic_id": 1,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the person walk does not know the parameter {{{name}}}: teach it"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, path)


def _body(service: Service, aim: Patient) -> dict[str, Any]:
    return {
        "site_id": service.site.id,
        "site_ods": service.site.ods_code,
        "person_id": aim.person.id,
        "call_id": aim.call_id,
        "nhs_number": "9434765862",
        "given_name": "X",
        "family_name": "Y",
        "date_of_birth": "1930-01-01",
        "label": "Another",
    }


async def _answer(
    client: TestClient, service: Service, key: str, aim: Patient, leaks: list[str]
) -> str:
    method, path = key.split(" ", 1)
    session = service.one.session
    home = client.make_url("/")
    headers = {
        "Origin": f"{home.scheme}://{home.authority}",
        "Cookie": f"{SESSION_COOKIE}={session}",
        CSRF_HEADER: csrf_token(session),
    }
    kwargs: dict[str, Any] = {"json": _body(service, aim)}
    if key in ("GET /api/residents", "GET /api/calls"):
        kwargs = {"params": {"site": service.site.id}}
    elif key == "POST /api/residents":  # well formed, so the answer is the access rule's
        kwargs = {"json": {k: v for k, v in _body(service, aim).items() if k in PERSON_FIELDS}}
    elif key == "POST /api/photos":
        form = aiohttp.FormData()
        form.add_field("photo", PNG, filename="p.png", content_type="image/png")
        kwargs = {"data": form}
    client.session.cookie_jar.clear()
    response = await client.request(
        method, _fill(path, service, aim), headers=headers, allow_redirects=False, **kwargs
    )
    text = (await response.read()).decode(errors="replace")
    client.session.cookie_jar.clear()
    leaks.extend(f"{key}: {m}" for m in service.two.markers if m in text)
    return str(response.status)


@pytest.fixture
def settings(settings: Any) -> Any:
    return unthrottled(settings)


async def test_a_patients_device_reads_nothing_of_another_patient_through_any_route(
    client: TestClient, world: World, db: Database
) -> None:
    service = await own_home_service(client, world, db)
    keys = [f"{m} {p}" for m, p in app_routes(client.server.app)]
    assert set(keys) == set(PERSON_ROUTES), (
        f"routes without a row in access_matrix.PERSON_ROUTES: "
        f"{sorted(set(keys) - set(PERSON_ROUTES))}; rows for routes the app no longer has: "
        f"{sorted(set(PERSON_ROUTES) - set(keys))}"
    )
    leaks: list[str] = []
    found = {}
    for key in sorted(keys, key=lambda k: (k == "POST /api/auth/logout", k)):
        own = await _answer(client, service, key, service.one, leaks)
        other = await _answer(client, service, key, service.two, leaks)
        found[key] = own if own == other else f"{own}/{other}"
    assert not leaks, f"patient one's device saw patient two's data: {leaks}"
    wrong = {k: (PERSON_ROUTES[k], v) for k, v in found.items() if PERSON_ROUTES[k] != v}
    assert not wrong, "answers that differ from access_matrix.PERSON_ROUTES (expected, got):\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in sorted(wrong.items()))
    )
    # The site-wide reads were refused, and each refusal is in the audit trail.
    async with db.session() as s:
        refused = (
            await s.exec(
                select(AuditEvent).where(
                    col(AuditEvent.actor) == f"device:{service.one.device_id}",
                    col(AuditEvent.outcome) == "refused",
                )
            )
        ).all()
    wheres = {(e.detail or {}).get("where") for e in refused}
    assert "GET /api/residents" in wheres
    assert "GET /api/sites/{site_id}/messages" in wheres


def _frame(service: Service, type_: str, aim: Patient, world: World) -> dict[str, Any]:
    call = {"call_id": aim.call_id}
    peer = {**call, "to": f"device:{aim.device_id}"}
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    frames: dict[str, dict[str, Any]] = {
        "call/start": {
            "client_call_id": str(uuid.uuid4()),
            "person_id": aim.person.id,
            "channel": "gold_line",
            "reason": "pain",
            "home_intent": "unknown",
        },
        "call/hold": {**call, "on": True},
        "call/retriage": {**call, "priority": 3},
        "call/transfer": {**call, "to_user_id": world.nurse.id},
        "call/invite": {**call, "user_id": world.specialist.id},
        "call/close": {
            **call,
            "disposition": "managed_in_place",
            "nurse_counterfactual": "admission",
            "clinical_note": "note",
        },
        "queue/unsubscribe": {"subscription": 999},
        "signal/offer": {**peer, "sdp": sdp},
        "signal/answer": {**peer, "sdp": sdp},
        "signal/candidate": {**peer, "candidate": {"candidate": ""}},
        "signal/hangup": peer,
        "signal/media": {**peer, "video": False, "why": "weak_connection"},
        "message/send": {
            "site_id": service.site.id,
            "person_id": aim.person.id,
            "call_id": aim.call_id,
            "client_message_id": str(uuid.uuid4()),
            "body": "from the person walk",
        },
        "message/sync": {"after_seq": 0},
        "message/ack": {"seq": 0},
        "echo/start": {"sdp": sdp},
        "echo/stop": {"echo_id": "none"},
        "presence/set": {"status": "available"},
    }
    if type_ in frames:
        return frames[type_]
    return call if type_.startswith("call/") else {}


async def test_a_patients_device_gets_nothing_of_another_patient_through_any_command(
    client: TestClient, world: World, db: Database
) -> None:
    service = await own_home_service(client, world, db)
    types = set(client.server.app[REALTIME].dispatcher.rules)
    assert types == set(PERSON_COMMANDS), (
        f"commands without a row in access_matrix.PERSON_COMMANDS: "
        f"{sorted(types - set(PERSON_COMMANDS))}; rows for commands the hub no longer has: "
        f"{sorted(set(PERSON_COMMANDS) - types)}"
    )
    one = await device_socket(client, service.one.credential)
    heard: list[str] = []
    one.listen("call", lambda e: bool(heard.append(str(e))))
    one.listen("queue", lambda e: bool(heard.append(str(e))))
    found = {}
    try:
        for type_ in sorted(types):
            cells = []
            for aim in (service.one, service.two):
                try:
                    result = await one.command(type_, **_frame(service, type_, aim, world))
                    heard.append(str(result))
                    cells.append("ok")
                except CommandFailed as exc:
                    cells.append(STATUS_OF.get(exc.code, exc.code))
            found[type_] = cells[0] if cells[0] == cells[1] else "/".join(cells)
        # Patient one's device synced its own thread: it shows patient one's messages only.
        bodies = [m["body"] for m in one.messages.values()]
        heard.extend(bodies)
        assert "Mum is in pain" in bodies
        assert "For Joan only" not in bodies and "To the whole service" not in bodies
    finally:
        await one.close()
    leaked = [m for m in service.two.markers for text in heard if m in text]
    assert not leaked, f"patient one's device heard patient two's {leaked}"
    wrong = {k: (PERSON_COMMANDS[k], v) for k, v in found.items() if PERSON_COMMANDS[k] != v}
    assert not wrong, "answers that differ from access_matrix.PERSON_COMMANDS:\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in sorted(wrong.items()))
    )
