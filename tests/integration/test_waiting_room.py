"""A booked clinic's waiting room: the prison's tablet is reminded 15 minutes before and at
the slot time, joins and waits; the specialist hears of the arrival, admits them and an
ordinary call opens (the tablet hears it), which the specialist wraps up; a slot not joined
10 minutes after its start is flagged to the specialist. The hub's clock is a fake one, so
time moves only when the test says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.appointments.waiting import WaitingRoom
from hub.auth.service import user_principal
from hub.clock import FakeClock
from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Appointment, Call
from schemas.api import DeviceCreate
from support.hub import HubServer
from support.world import World, add_prison, sign_in
from telehub_client import HubConnection

DAY = date(2026, 11, 10)
SLOT = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # 10:00 GMT


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SLOT - timedelta(hours=1))


@dataclass
class Clinic:
    client: TestClient
    credential: str  # the prison's tablet
    clinic_id: int
    first: int  # appointment ids
    second: int
    prisoner_id: int


@pytest.fixture
async def clinic(
    settings: HubSettings, world: World, db: Database, clock: FakeClock
) -> AsyncIterator[Clinic]:
    _site, prisoner = await add_prison(db, world)
    async with TestClient(HubServer(create_app(settings, clock=clock))) as client:
        identity = client.server.app[SERVICES].identity
        _, _, code = await identity.create_enrolment(
            SYSTEM, DeviceCreate(site_ods="VPRIS", label="Healthcare unit tablet")
        )
        _, credential = await identity.enrol(code)
        await sign_in(client, world.specialist.username)
        made = await client.post(
            "/api/clinics",
            json={
                "specialty": "Dermatology",
                "clinician_id": world.specialist.id,
                "day": DAY.isoformat(),
                "starts_at": "10:00",
                "slot_minutes": 20,
                "slots": 2,
            },
        )
        made_clinic = await made.json()
        slots = [x["id"] for x in made_clinic["slots"]]
        booked = []
        for slot in slots:
            answer = await client.post(
                "/api/appointments", json={"slot_id": slot, "person_id": prisoner.id}
            )
            assert answer.status == 201, await answer.text()
            booked.append((await answer.json())["id"])
        yield Clinic(client, credential, made_clinic["id"], booked[0], booked[1], prisoner.id or 0)


async def _socket(client: TestClient, auth: dict[str, Any]) -> HubConnection:
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def again() -> dict[str, Any]:
        return auth

    return await HubConnection.open(url, again)


async def _specialist(client: TestClient, world: World) -> HubConnection:
    identity = client.server.app[SERVICES].identity
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def auth() -> dict[str, Any]:
        ticket, _ = await identity.issue_ticket(user_principal(world.specialist))
        return {"type": "auth", "ticket": ticket}

    return await HubConnection.open(url, auth)


def _room(client: TestClient) -> WaitingRoom:
    return client.server.app[SERVICES].waiting_room


async def _as_tablet(client: TestClient, credential: str) -> dict[str, str]:
    """The headers the prison tablet's page sends: its session, the CSRF token, the Origin."""
    _, token = await client.server.app[SERVICES].identity.device_sign_in(credential)
    home = client.make_url("/")
    return {
        "Cookie": f"{SESSION_COOKIE}={token}",
        CSRF_HEADER: csrf_token(token),
        "Origin": f"{home.scheme}://{home.authority}",
    }


async def test_the_prison_joins_waits_and_is_admitted_into_an_ordinary_call(
    clinic: Clinic, world: World, clock: FakeClock, db: Database
) -> None:
    client = clinic.client
    tablet = await _socket(client, {"type": "auth", "credential": clinic.credential})
    specialist = await _specialist(client, world)
    headers = await _as_tablet(client, clinic.credential)
    arrive = f"/api/appointments/{clinic.first}/arrive"
    try:
        client.session.cookie_jar.clear()  # from here the requests are the tablet's
        early = await client.post(arrive, headers=headers, json={})
        assert early.status == 409  # an hour before: too early to join
        clock.advance(SLOT - timedelta(minutes=10) - clock.now())
        headers = await _as_tablet(client, clinic.credential)
        joined = await client.post(arrive, headers=headers, json={})
        assert joined.status == 200, await joined.text()
        assert (await joined.json())["arrived_at"] is not None
        heard = await specialist.next_event("appointment", lambda e: e["what"] == "arrived")
        assert heard["appointment"]["id"] == clinic.first

        await sign_in(client, world.specialist.username)
        room = await (await client.get(f"/api/clinics/{clinic.clinic_id}/waiting-room")).json()
        assert [a["arrived_at"] is not None for a in room] == [True, False]

        await sign_in(client, world.nurse.username)
        not_hers = await client.post(f"/api/appointments/{clinic.first}/admit", json={})
        assert not_hers.status == 403
        await sign_in(client, world.specialist.username)
        admitted = await client.post(f"/api/appointments/{clinic.first}/admit", json={})
        assert admitted.status == 201, await admitted.text()
        call = await admitted.json()
        assert call["state"] == "connected" and call["channel"] == "prison_clinic"
        assert {p["role"] for p in call["participants"]} == {"caller", "nurse"}
        again = await client.post(f"/api/appointments/{clinic.first}/admit", json={})
        assert again.status == 409
        opened = await tablet.next_event("call", lambda e: e["call"]["id"] == call["id"])
        assert opened["call"]["state"] == "connected"
        not_arrived = await client.post(f"/api/appointments/{clinic.second}/admit", json={})
        assert not_arrived.status == 409

        # An ordinary call from here: the specialist ends it and records the outcome.
        await specialist.command("call/end", call_id=call["id"])
        record = await client.post(
            f"/api/calls/{call['id']}/outcome",
            json={
                "disposition": "specialist_advice",
                "nurse_counterfactual": "gp_contact",
                "clinical_note": "Reviewed the rash by video; treatment plan agreed.",
                "escort_needed": False,
            },
        )
        assert record.status == 201, await record.text()
    finally:
        await tablet.close()
        await specialist.close()
    async with db.session() as s:
        held = await s.get(Appointment, clinic.first)
        stored = await s.get(Call, call["id"])
    assert held is not None and held.status == "held" and held.call_id == call["id"]
    assert stored is not None and stored.state == "closed" and stored.escort_needed is False


async def test_reminders_and_the_late_flag_each_go_once(
    clinic: Clinic, world: World, clock: FakeClock
) -> None:
    client = clinic.client
    tablet = await _socket(client, {"type": "auth", "credential": clinic.credential})
    specialist = await _specialist(client, world)
    room = _room(client)
    try:
        assert await room.sweep() == 0  # an hour before: nothing due
        clock.advance(SLOT - timedelta(minutes=15) - clock.now())
        assert await room.sweep() == 1
        before = await tablet.next_event("appointment")
        assert before["what"] == "reminder_before"
        assert before["appointment"]["id"] == clinic.first
        assert await room.sweep() == 0  # once only
        clock.advance(timedelta(minutes=15))  # 10:00
        assert await room.sweep() == 1
        now = await tablet.next_event("appointment")
        assert now["what"] == "reminder_now" and now["appointment"]["id"] == clinic.first
        clock.advance(timedelta(minutes=10))  # 10:10, and the second slot's reminder is due
        found = await room.sweep()
        assert found == 2
        late = await specialist.next_event("appointment", lambda e: e["what"] == "late")
        assert late["appointment"]["id"] == clinic.first
        assert await room.sweep() == 0
    finally:
        await tablet.close()
        await specialist.close()


async def test_the_prison_tablet_lists_todays_clinics_and_opens_join_at_the_time(
    clinic: Clinic, clock: FakeClock
) -> None:
    client = clinic.client
    clock.advance(SLOT - timedelta(minutes=10) - clock.now())
    headers = await _as_tablet(client, clinic.credential)
    client.session.cookie_jar.clear()
    page = await client.get("/tablet/clinics", headers=headers)
    assert page.status == 200
    html = await page.text()
    assert "10:00 · Dermatology" in html and "10:20 · Dermatology" in html
    assert "J.P. · NHS …5889" in html and "Prisoner" not in html  # initials, never the name
    first = html.split(f'data-join="{clinic.first}"', 1)[1].split(">", 1)[0]
    second = html.split(f'data-join="{clinic.second}"', 1)[1].split(">", 1)[0]
    assert "disabled" not in first  # 10 minutes before its slot: open
    assert "disabled" in second  # 30 minutes before its slot: not yet
