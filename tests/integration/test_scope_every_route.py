"""A user of care home A cannot read a resident, call or message of care home B through any
route. The test walks every route the app registers, so a new route is covered the day it
is added."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import delete
from sqlmodel import col, select

from hub.auth.service import user_principal
from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.realtime.context import REALTIME
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import (
    Appointment,
    ClinicSession,
    ClinicSlot,
    Death,
    FollowUpTask,
    PalliativeEntry,
    User,
)
from schemas.api import DeviceCreate, UserCreate
from schemas.codes import Role
from support.access_matrix import CALLERS, COMMANDS, ROUTES
from support.walk import PNG, STATUS_OF, app_routes, unthrottled
from support.world import PASSWORD, Home, World, sign_in
from telehub_client import CommandFailed, HubConnection


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """The walk signs in, and tries enrolment codes, dozens of times from one address: the
    rate limits are not what it checks (tests/integration/test_throttling.py does)."""
    return unthrottled(settings)


_routes = app_routes


def _aim_at_home_b(path: str, world: World, task_id: int = 1) -> str:
    b = world.home_b
    values = {
        "person_id": b.resident.id,
        "call_id": b.call.id,
        "site_id": b.site.id,
        "device_id": 1,
        "message_id": b.message.id,
        "user_id": b.staff.id,
        "photo_id": 1,  # the world has no photos: an unknown id must answer 404, not leak
        "task_id": task_id,  # home B's 72-hour follow-up task
        "appointment_id": 1,  # the world has no appointments: unknown must not leak
        "clinic_id": 1,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the scope walk does not know the parameter {{{name}}}: teach it"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, path)


def _body_aimed_at_home_b(world: World) -> dict[str, object]:
    b = world.home_b
    return {
        "site_id": b.site.id,
        "site_ods": b.site.ods_code,
        "person_id": b.resident.id,
        "call_id": b.call.id,
        "nhs_number": "9434765870",
        "given_name": "X",
        "family_name": "Y",
        "date_of_birth": "1930-01-01",
    }


def _markers(world: World) -> list[str]:
    b = world.home_b
    return [
        b.resident.family_name,
        b.resident.nhs_number,
        b.call.id,
        b.message.body,
        b.site.ods_code,
    ]


async def test_every_route_refuses_anonymous_callers_unless_public(client: TestClient) -> None:
    public = {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/devices/enrol"),
        ("POST", "/api/devices/signin"),
        ("GET", "/enrol"),
        ("GET", "/ws"),  # authenticates in its own first frame
        ("GET", "/api/openapi.json"),  # the API's description: no data in it
    }
    app = client.server.app
    marked_public = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and getattr(getattr(route.handler, "access", None), "roles", ()) is None
        and route.method != "HEAD"
    }
    assert marked_public <= public, f"new public routes need review: {marked_public - public}"
    for method, path in _routes(app):
        if (method, path) in public:
            continue
        response = await client.request(
            method, re.sub(r"\{\w+\}", "1", path), json={}, allow_redirects=False
        )
        assert response.status in (401, 302), f"{method} {path} answered {response.status}"
        if response.status == 302:
            assert response.headers["Location"].startswith("/login"), f"{method} {path}"


async def test_home_a_staff_cannot_reach_home_b_through_any_route(
    client: TestClient, world: World, db: Database
) -> None:
    async with db.session() as s:
        task = FollowUpTask(call_id=world.home_b.call.id, due_at=world.home_b.call.started_at)
        s.add(task)
        await s.flush()
        task_id = task.id or 0
    await sign_in(client, world.home_a.staff.username)
    walked = 0
    for method, template in _routes(client.server.app):
        if template == "/api/auth/logout":
            continue  # signing out is harmless and would end this walk's session
        path = _aim_at_home_b(template, world, task_id)
        response = await client.request(
            method, path, json=_body_aimed_at_home_b(world), allow_redirects=False
        )
        text = await response.text()
        leaked = [m for m in _markers(world) if m in text]
        assert not leaked, f"{method} {template} showed home B's {leaked} ({response.status})"
        if "{" in template:
            assert response.status in (403, 404, 422), f"{method} {template}: {response.status}"
        walked += 1
    assert walked >= 15
    # And the walk really signs in as someone who can see home A's own records.
    own = await client.get(f"/api/residents/{world.home_a.resident.id}")
    assert own.status == 200
    assert world.home_a.resident.family_name in await own.text()


# -- the access-control matrix ------------------------------------------------------------
# Every route and every websocket command, called by every kind of caller, aimed at the
# caller's own care home (A) and at another (B). The expected answers are written out in
# tests/support/access_matrix.py; a route or command the app has and the table does not
# fails the test, and so does any answer that differs from the table.


@dataclass
class Target:
    """What a request aims at: one care home's records."""

    home: Home
    commissioner_ods: str
    device_id: int
    task_id: int
    photo_id: int
    user_id: int  # a member of the home's staff who is there to be disabled
    appointment_id: int = 0  # a booked appointment of the home's resident (made per request)
    clinic_id: int = 0  # the world specialist's clinic
    register_version: int = 0  # the resident's current palliative register version


@dataclass
class Matrix:
    world: World
    lead: User
    own: Target
    other: Target
    sessions: dict[str, str]  # caller -> session cookie
    credential: str  # the home A tablet's
    db: Database
    clinic_id: int = 0  # a clinic of the world's specialist
    free_slots: list[int] = field(default_factory=list)  # its slots still to come, unbooked
    serial: itertools.count[int] = field(default_factory=itertools.count)


def _route_keys(app: web.Application) -> list[str]:
    return [f"{method} {path}" for method, path in _routes(app)]


def _command_types(app: web.Application) -> set[str]:
    return set(app[REALTIME].dispatcher.rules)


def _fill(path: str, t: Target) -> str:
    h = t.home
    values = {
        "person_id": h.resident.id,
        "call_id": h.call.id,
        "site_id": h.site.id,
        "device_id": t.device_id,
        "user_id": t.user_id,
        "task_id": t.task_id,
        "photo_id": t.photo_id,
        "appointment_id": t.appointment_id,
        "clinic_id": t.clinic_id,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _nhs_number(serial: int) -> str:
    """A valid NHS number (modulus 11) that no one in the world has."""
    for n in range(serial * 20, serial * 20 + 20):
        digits = [int(c) for c in f"{400000000 + n:09d}"]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError("no NHS number in range")


def _request(m: Matrix, key: str, t: Target) -> dict[str, Any]:
    """The keyword arguments of a well-formed request for ``key`` aimed at ``t``."""
    n = next(m.serial)
    h = t.home
    month = "2026-11"
    queries = {
        "GET /api/residents": {"site": h.site.id},
        "GET /api/calls": {"site": h.site.id},
        "GET /api/call-history": {"site": h.site.id},
        "GET /api/appointments": {"site": h.site.id},
        "GET /console/history": {"site": h.site.id},
        "GET /api/reports/monthly": {"month": month, "commissioner": t.commissioner_ods},
        "GET /reports": {"month": month, "commissioner": t.commissioner_ods},
        "GET /api/reports/hub": {"month": month},
        "GET /reports/hub": {"month": month},
        "POST /api/imports": {"kind": "sites"},
    }
    bodies: dict[str, Any] = {
        "POST /api/auth/login": {"username": m.world.nurse.username, "password": PASSWORD},
        "POST /api/users": {
            "username": f"matrix.{n}",
            "display_name": "Matrix",
            "role": "care_home_staff",
            "organisation_ods": h.site.ods_code,
            "password": "a long enough password",
        },
        "POST /api/devices": {"site_ods": h.site.ods_code, "label": f"Tablet {n}"},
        "POST /api/devices/enrol": {"enrolment_code": "not-a-real-code"},
        "POST /api/devices/signin": {"credential": "x" * 40},
        "POST /api/residents": {
            "nhs_number": _nhs_number(n),
            "given_name": "Matrix",
            "family_name": f"Person{n}",
            "date_of_birth": "1940-01-01",
            "site_id": h.site.id,
        },
        "PUT /api/calls/{call_id}/wrap-up": {"revision": 0, "clinical_note": "draft"},
        "POST /api/calls/{call_id}/outcome": {
            "disposition": "managed_in_place",
            "nurse_counterfactual": "admission",
            "clinical_note": "note",
        },
        "POST /api/calls/{call_id}/amendments": {
            "field": "clinical_note",
            "new_value": f"amended {n}",
            "reason": "typo",
        },
        "POST /api/follow-ups/{task_id}": {"ed_within_72h": "no", "admitted_within_72h": "no"},
        "POST /api/residents/{person_id}/palliative": {
            "preferred_place_of_death": "home",
            "joined_on": "2026-01-05",
            "base_version": t.register_version,
        },
        "POST /api/residents/{person_id}/death": {"died_on": "2026-10-01", "place": "home"},
        "POST /api/residents/{person_id}/death/corrections": {
            "died_on": "2026-10-02",
            "place": "hospice",
            "reason": "wrong day and place",
            "base_version": 1,
        },
        "POST /api/clinics": {
            "specialty": "Dermatology",
            "clinician_id": m.world.specialist.id,
            "day": (date.today() + timedelta(days=30)).isoformat(),
            "starts_at": "10:00",
            "slot_minutes": 15,
            "slots": 2,
        },
    }
    if key == "POST /api/appointments":  # a free slot each time: a booked one is a conflict
        bodies[key] = {"slot_id": m.free_slots.pop(), "person_id": h.resident.id}
    elif key == "POST /api/appointments/{appointment_id}/rebook":
        bodies[key] = {"slot_id": m.free_slots.pop()}
    forms: dict[str, Any] = {
        "POST /login": {"username": m.world.nurse.username, "password": PASSWORD},
        "POST /console/calls/{call_id}/amendments": {
            "field": "clinical_note",
            "new_value": f"amended {n}",
            "reason": "typo",
        },
        "POST /console/follow-ups/{task_id}": {"ed_within_72h": "no", "admitted_within_72h": "no"},
        "POST /console/clinics": {
            "specialty": "Dermatology",
            "clinician_id": m.world.specialist.id,
            "day": (date.today() + timedelta(days=30)).isoformat(),
            "starts_at": "10:00",
            "slot_minutes": "15",
            "slots": "2",
        },
    }
    if key == "POST /console/clinics/{clinic_id}/bookings":
        forms[key] = {
            "slot_id": m.free_slots.pop(),
            "site_id": h.site.id,
            "nhs_number": h.resident.nhs_number,
        }
    elif key == "POST /console/clinics/{clinic_id}/appointments/{appointment_id}/rebook":
        forms[key] = {"slot_id": m.free_slots.pop()}
    kwargs: dict[str, Any] = {"params": queries.get(key)}
    if key in bodies:
        kwargs["json"] = bodies[key]
    elif key in forms:
        kwargs["data"] = forms[key]
    elif key in ("POST /api/photos", "POST /admin/imports"):
        form = aiohttp.FormData()
        if key == "POST /api/photos":
            form.add_field("photo", PNG, filename="p.png", content_type="image/png")
        else:
            form.add_field("kind", "sites")
            form.add_field("file", b"", filename="empty.csv", content_type="text/csv")
        kwargs["data"] = form
    elif key == "POST /api/imports":
        kwargs["data"] = b""
    return kwargs


LAST = ("POST /api/auth/logout",)  # it ends the caller's session


async def _matrix(client: TestClient, world: World, db: Database) -> Matrix:
    app = client.server.app
    identity = app[SERVICES].identity
    lead = await identity.add_user(
        SYSTEM,
        UserCreate(
            username="lead.one",
            display_name="Lead One",
            role=Role.CLINICAL_LEAD,
            organisation_ods=world.hub.ods_code,
            password=PASSWORD,
        ),
    )
    targets = []
    homes = ((world.home_a, world.commissioner_a), (world.home_b, world.commissioner_b))
    for home, commissioner in homes:
        device, _, _ = await identity.create_enrolment(
            SYSTEM, DeviceCreate(site_ods=home.site.ods_code, label="To revoke")
        )
        async with db.session() as s:
            task = FollowUpTask(call_id=home.call.id, due_at=home.call.started_at)
            s.add(task)
            await s.flush()
            task_id = task.id or 0
        photo_id = await app[SERVICES].messages.add_photo(
            user_principal(home.staff), "image/png", PNG, quota=1024 * 1024
        )
        leaver = await identity.add_user(
            SYSTEM,
            UserCreate(
                username=f"leaver.{home.site.ods_code.lower()}",
                display_name="To disable",
                role=Role.CARE_HOME_STAFF,
                organisation_ods=home.site.ods_code,
                password=PASSWORD,
            ),
        )
        assert leaver.id is not None
        targets.append(
            Target(home, commissioner.ods_code, device.id or 0, task_id, photo_id, leaver.id)
        )
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods=world.home_a.site.ods_code, label="Matrix tablet")
    )
    _, credential = await identity.enrol(code)
    sessions = {}
    users = {
        "hub_nurse": world.nurse,
        "specialist": world.specialist,
        "clinical_lead": lead,
        "hub_admin": world.admin,
        "commissioner": world.commissioner_user_a,
        "care_home_staff": world.home_a.staff,
    }
    for caller, user in users.items():
        _, sessions[caller] = await identity.sign_in(user.username, PASSWORD)
    _, sessions["device"] = await identity.device_sign_in(credential)
    m = Matrix(world, lead, targets[0], targets[1], sessions, credential, db)
    async with db.session() as s:
        clinic = ClinicSession(
            specialty="Dermatology",
            clinician_id=world.specialist.id or 0,
            day=date.today(),
            created_by="cli",
            created_at=datetime.now(UTC),
        )
        s.add(clinic)
        await s.flush()
        m.clinic_id = clinic.id or 0
        future = datetime.now(UTC) + timedelta(days=30)
        slots = [
            ClinicSlot(
                clinic_id=m.clinic_id,
                starts_at=future + timedelta(minutes=15 * i),
                ends_at=future + timedelta(minutes=15 * (i + 1)),
            )
            for i in range(64)
        ]
        s.add_all(slots)
        await s.flush()
        m.free_slots = [x.id or 0 for x in slots]
        m.own.clinic_id = m.other.clinic_id = m.clinic_id
    return m


async def _booked(m: Matrix, t: Target) -> int:
    """A fresh appointment of ``t``'s resident, in a slot that has just started (so it can
    be cancelled, moved or marked did-not-attend)."""
    started = datetime.now(UTC) - timedelta(minutes=5)
    async with m.db.session() as s:
        slot = ClinicSlot(
            clinic_id=m.clinic_id, starts_at=started, ends_at=started + timedelta(minutes=15)
        )
        s.add(slot)
        await s.flush()
        appointment = Appointment(
            slot_id=slot.id or 0,
            live_slot_id=slot.id,
            clinic_id=m.clinic_id,
            person_id=t.home.resident.id or 0,
            site_id=t.home.site.id or 0,
            status="booked",
            starts_at=started,
            booked_by="cli",
            booked_at=started,
        )
        s.add(appointment)
        await s.flush()
        return appointment.id or 0


SITE_BOUND = ("commissioner", "care_home_staff", "device")


async def _answer(client: TestClient, m: Matrix, caller: str, key: str, t: Target) -> str:
    method, path = key.split(" ", 1)
    if "{task_id}" in path:  # a fresh task each time: recording one twice is a conflict
        async with m.db.session() as s:
            task = FollowUpTask(call_id=t.home.call.id, due_at=t.home.call.started_at)
            s.add(task)
            await s.flush()
            t.task_id = task.id or 0
    if "{appointment_id}" in path:  # a fresh one each time: a cancelled one stays cancelled
        t.appointment_id = await _booked(m, t)
    if key.startswith("POST") and path.endswith(("/palliative", "/death", "/corrections")):
        await _register_as_it_is(m, t, death=path.endswith("/corrections"))
    home = client.make_url("/")
    headers = {"Origin": f"{home.scheme}://{home.authority}"}  # as the hub's own pages send
    if caller != "anonymous":
        headers["Cookie"] = f"{SESSION_COOKIE}={m.sessions[caller]}"
        headers[CSRF_HEADER] = csrf_token(m.sessions[caller])
    client.session.cookie_jar.clear()
    response = await client.request(
        method, _fill(path, t), headers=headers, allow_redirects=False, **_request(m, key, t)
    )
    text = (await response.read()).decode(errors="replace")
    client.session.cookie_jar.clear()
    if t is m.other and caller in SITE_BOUND:
        leaked = [marker for marker in _markers(m.world) if marker in text]
        assert not leaked, f"{key} showed {caller} home B's {leaked} ({response.status})"
    return str(response.status)


async def _register_as_it_is(m: Matrix, t: Target, *, death: bool = False) -> None:
    """Each change of the register is made on its current version, and each death recorded
    afresh (a second record of one death is a conflict, not an access rule); a correction
    (``death``) corrects a first record, made here."""
    person_id = t.home.resident.id
    async with m.db.session() as s:
        versions = (
            await s.exec(
                select(PalliativeEntry.version).where(PalliativeEntry.person_id == person_id)
            )
        ).all()
        t.register_version = max(versions, default=0)
        await s.exec(delete(Death).where(col(Death.person_id) == person_id))
        if death and person_id is not None:
            s.add(
                Death(
                    person_id=person_id,
                    died_on=date(2026, 10, 1),
                    place="home",
                    source="console",
                    recorded_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
                )
            )


def _cell(own: str, other: str) -> str:
    return own if own == other else f"{own}/{other}"


async def _observed_routes(client: TestClient, m: Matrix, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (k in LAST, k)):  # signing out comes last
        cells = []
        for caller in CALLERS:
            own = await _answer(client, m, caller, key, m.own)
            other = await _answer(client, m, caller, key, m.other)
            cells.append(_cell(own, other))
        found[key] = " ".join(cells)
    return found


def _sqlite_only(backend: str) -> None:
    """The matrix makes about a thousand requests: on SQLite only, to keep the suite short.
    The scope rules it checks are in the storage layer's queries, which the PostgreSQL runs
    of the tests above and of the storage suite cover."""
    if backend != "sqlite":
        pytest.skip("the access matrix runs on SQLite")


async def test_every_route_answers_every_caller_as_the_matrix_says(
    client: TestClient, world: World, db: Database, backend: str
) -> None:
    _sqlite_only(backend)
    app = client.server.app
    keys = _route_keys(app)
    assert set(keys) == set(ROUTES), (
        f"routes without a row in access_matrix.ROUTES: {sorted(set(keys) - set(ROUTES))}; "
        f"rows for routes the app no longer has: {sorted(set(ROUTES) - set(keys))}"
    )
    found = await _observed_routes(client, await _matrix(client, world, db), keys)
    wrong = {k: (ROUTES[k], v) for k, v in found.items() if ROUTES[k] != v}
    assert not wrong, "answers that differ from access_matrix.ROUTES (expected, got):\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in wrong.items())
    )


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
    _sqlite_only(backend)
    types = _command_types(client.server.app)
    assert types == set(COMMANDS), (
        f"commands without a row in access_matrix.COMMANDS: {sorted(types - set(COMMANDS))}; "
        f"rows for commands the hub no longer has: {sorted(set(COMMANDS) - types)}"
    )
    m = await _matrix(client, world, db)
    sockets = await _sockets(client, m)
    found = {}
    try:
        for type_ in sorted(types):
            cells = []
            for caller in CALLERS[:-1]:  # a socket must sign in before any command
                conn = sockets[caller]
                own = await _outcome(conn, type_, _frame(m, type_, m.own))
                other = await _outcome(conn, type_, _frame(m, type_, m.other))
                cells.append(_cell(own, other))
            found[type_] = " ".join(cells)
    finally:
        for conn in sockets.values():
            await conn.close()
    wrong = {k: (COMMANDS[k], v) for k, v in found.items() if COMMANDS[k] != v}
    assert not wrong, "answers that differ from access_matrix.COMMANDS (expected, got):\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in wrong.items())
    )
