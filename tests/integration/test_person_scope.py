"""A patient is a caller: two patients of one own-home service, each with a device enrolled
to them. Patient one's device, through every HTTP route and every websocket command, cannot
read or receive anything of patient two's (resident list, summary, calls, thread, photos);
its call reaches the console carrying patient one and who is calling about them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.auth.principal import Principal
from hub.auth.service import device_principal, user_principal
from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.realtime.context import REALTIME
from hub.services import SERVICES
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import AuditEvent, Device, Organisation, Person
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship, OrganisationKind
from schemas.wire import CallStart, MessageSend
from support.access_matrix import PERSON_COMMANDS, PERSON_ROUTES
from support.walk import PNG, STATUS_OF, app_routes, unthrottled
from support.world import NOW, World
from telehub_client import CommandFailed, HubConnection

NHS = ("9434765846", "9434765854")  # valid, synthetic, not in the world
PERSON_FIELDS = ("nhs_number", "given_name", "family_name", "date_of_birth", "site_id")


@dataclass
class Patient:
    person: Person
    device_id: int
    credential: str
    session: str
    call_id: str
    photo_id: int
    message_body: str

    @property
    def markers(self) -> list[str]:
        return [
            self.person.family_name,
            self.person.nhs_number,
            self.call_id,
            self.message_body,
            "Latex",  # patient two's allergy
        ]


@dataclass
class Service:
    site: Organisation
    one: Patient
    two: Patient


async def _patient(
    client: TestClient,
    site: Organisation,
    person: Person,
    relationship: CallerRelationship,
    body: str,
) -> Patient:
    app = client.server.app
    identity = app[SERVICES].identity
    services = app[SERVICES]
    device, _, code = await identity.create_enrolment(
        SYSTEM,
        DeviceCreate(
            site_ods=site.ods_code,
            label=f"{person.given_name}'s tablet",
            person_nhs_number=person.nhs_number,
            relationship=relationship,
        ),
    )
    enrolled, credential = await identity.enrol(code)
    assert enrolled.person_id == person.id and enrolled.relationship == relationship.value
    principal, session = await identity.device_sign_in(credential)
    assert principal.scope.person_id == person.id
    call = await services.calls.start(
        principal,
        CallStart(
            type="call/start",
            id=1,
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="pain",
            home_intent="district_nurse",
            concern="pain at night",
        ),
    )
    await services.calls.cancel(principal, call.id)  # a call of theirs, over
    photo_id = await services.messages.add_photo(principal, "image/png", PNG, quota=10**7)
    await services.messages.send(
        principal,
        MessageSend(
            type="message/send",
            id=2,
            client_message_id=str(uuid.uuid4()),
            body=body,
            photo_id=photo_id,
        ),
    )
    assert enrolled.id is not None
    return Patient(person, enrolled.id, credential, session, call.id, photo_id, body)


async def _service(client: TestClient, world: World, db: Database) -> Service:
    async with db.session() as s:
        site = rows.site(
            "VHOME1",
            "Home Patients",
            kind=OrganisationKind.OWN_HOME,
            commissioner=world.commissioner_a,
            beds=None,
            at=NOW,
        )
        s.add(site)
        await s.flush()
        people = [
            rows.resident(
                site,
                nhs_number=NHS[0],
                given_name="Mary",
                family_name="Patientone",
                date_of_birth=date(1941, 5, 6),
                allergies="None known",
                at=NOW,
            ),
            rows.resident(
                site,
                nhs_number=NHS[1],
                given_name="Joan",
                family_name="Patienttwo",
                date_of_birth=date(1938, 7, 8),
                allergies="Latex",
                at=NOW,
            ),
        ]
        s.add_all(people)
        await s.flush()
    one = await _patient(client, site, people[0], CallerRelationship.CARER, "Mum is in pain")
    two = await _patient(client, site, people[1], CallerRelationship.PATIENT, "I feel sick")
    # The hub writes to patient two, and to the whole service.
    messages = client.server.app[SERVICES].messages
    nurse = user_principal(world.nurse)
    for person_id, body in ((two.person.id, "For Joan only"), (None, "To the whole service")):
        await messages.send(
            nurse,
            MessageSend(
                type="message/send",
                id=3,
                site_id=site.id,
                person_id=person_id,
                client_message_id=str(uuid.uuid4()),
                body=body,
            ),
        )
    return Service(site, one, two)


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
    service = await _service(client, world, db)
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


async def _socket(client: TestClient, credential: str) -> HubConnection:
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    return await HubConnection.open(url, auth)


async def test_a_patients_device_gets_nothing_of_another_patient_through_any_command(
    client: TestClient, world: World, db: Database
) -> None:
    service = await _service(client, world, db)
    types = set(client.server.app[REALTIME].dispatcher.rules)
    assert types == set(PERSON_COMMANDS), (
        f"commands without a row in access_matrix.PERSON_COMMANDS: "
        f"{sorted(types - set(PERSON_COMMANDS))}; rows for commands the hub no longer has: "
        f"{sorted(set(PERSON_COMMANDS) - types)}"
    )
    one = await _socket(client, service.one.credential)
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


async def _listening(conn: HubConnection) -> list[str]:
    heard: list[str] = []
    for kind in ("call", "queue", "message", "ring", "presence"):
        conn.listen(kind, lambda e: bool(heard.append(str(e))))
    await conn.command("message/sync", after_seq=0)
    return heard


async def test_what_the_hub_delivers_to_patient_two_never_reaches_patient_one(
    client: TestClient, world: World, db: Database
) -> None:
    service = await _service(client, world, db)
    one = await _socket(client, service.one.credential)
    two = await _socket(client, service.two.credential)
    identity = client.server.app[SERVICES].identity
    nurse_ticket, _ = await identity.issue_ticket(user_principal(world.nurse))
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def nurse_auth() -> dict[str, Any]:
        return {"type": "auth", "ticket": nurse_ticket}

    nurse = await HubConnection.open(url, nurse_auth)
    try:
        heard_one = await _listening(one)
        await two.command("message/sync", after_seq=0)
        await nurse.command("queue/subscribe")
        # Live: patient two calls, the hub writes to patient two and to the service.
        await two.command(
            "call/start",
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="breathing_difficulty",
            home_intent="ambulance_999",
        )
        live = ((service.two.person.id, "Joan: the nurse is coming"), (None, "The phones are back"))
        for person_id, body in live:
            await nurse.command(
                "message/send",
                site_id=service.site.id,
                person_id=person_id,
                client_message_id=str(uuid.uuid4()),
                body=body,
            )
        await two.wait_for_messages(3)  # its own, the hub's earlier one, this one
        # Then patient one calls and is written to: once those have arrived, anything sent
        # earlier to patient two would have arrived first.
        started = await one.command(
            "call/start",
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="pain",
            home_intent="unknown",
        )
        await nurse.command(
            "message/send",
            site_id=service.site.id,
            person_id=service.one.person.id,
            client_message_id=str(uuid.uuid4()),
            body="Mary: we are calling you back",
        )
        await one.wait_for_messages(2)
        # The call carries patient one and who is calling about her, on the nurse's queue.
        assert started["person_id"] == service.one.person.id
        assert started["caller_relationship"] == "carer"
        queued = await nurse.next_event(
            "queue", lambda e: any(x["call"]["id"] == started["id"] for x in e["entries"])
        )
        entry = next(x for x in queued["entries"] if x["call"]["id"] == started["id"])
        assert entry["call"]["person_name"] == "Mary Patientone"
        assert entry["call"]["caller_relationship"] == "carer"
        assert "Calling: a carer or relative." in entry["call"]["sbard"]
        bodies = [m["body"] for m in one.messages.values()]
        assert bodies == ["Mum is in pain", "Mary: we are calling you back"]
        leaked = [m for m in [*service.two.markers, "Joan"] for t in heard_one if m in t]
        assert not leaked, f"patient one's device received patient two's {leaked}"
        assert not [t for t in heard_one if "phones are back" in t]
    finally:
        for conn in (one, two, nurse):
            await conn.close()


async def test_a_device_is_enrolled_only_to_someone_registered_at_an_own_home_service(
    client: TestClient, world: World, db: Database
) -> None:
    identity = client.server.app[SERVICES].identity
    with pytest.raises(Exception, match="own-home"):
        await identity.create_enrolment(
            SYSTEM,
            DeviceCreate(
                site_ods=world.home_a.site.ods_code,
                label="x",
                person_nhs_number=world.home_a.resident.nhs_number,
            ),
        )
    service = await _service(client, world, db)
    with pytest.raises(Exception, match="No one with this NHS number"):
        await identity.create_enrolment(
            SYSTEM,
            DeviceCreate(
                site_ods=service.site.ods_code,
                label="x",
                person_nhs_number=world.home_a.resident.nhs_number,
            ),
        )
    with pytest.raises(ValueError, match="check digit"):
        DeviceCreate(site_ods="VHOME1", label="x", person_nhs_number="9434765847")
    async with db.session() as s:
        device = await s.get(Device, service.one.device_id)
    assert device is not None
    principal: Principal = device_principal(device)
    assert principal.relationship is CallerRelationship.CARER
