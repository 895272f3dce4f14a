"""Booked clinics: a specialist creates a clinic, hub staff book its slots for a resident,
cancel, move and mark did-not-attend; two bookings of one slot at once give one winner;
a clinic across the clock change has the right times; a site sees only its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.app import create_app
from hub.appointments.service import AppointmentService
from hub.auth.service import user_principal
from hub.clock import FakeClock
from hub.errors import Conflict
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Appointment, AuditEvent
from schemas.appointments import AppointmentCreate, ClinicCreate
from support.hub import HubServer
from support.world import World, sign_in

BEFORE = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # before the clinics below


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BEFORE)


@pytest.fixture
async def hub(settings: HubSettings, world: World, clock: FakeClock) -> AsyncIterator[TestClient]:
    """The app on a fake clock, signed in as the specialist."""
    async with TestClient(HubServer(create_app(settings, clock=clock))) as client:
        await sign_in(client, world.specialist.username)
        yield client


def _clinic(world: World, **more: Any) -> dict[str, Any]:
    return {
        "specialty": "Dermatology",
        "clinician_id": world.specialist.id,
        "day": "2026-10-20",
        "starts_at": "09:30",
        "slot_minutes": 20,
        "slots": 3,
        **more,
    }


async def _post(client: TestClient, path: str, body: dict[str, Any], status: int) -> Any:
    response = await client.post(path, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_clinic_across_the_clock_going_back_keeps_real_time_slots(
    hub: TestClient, world: World
) -> None:
    clinic = await _post(
        hub,
        "/api/clinics",
        _clinic(world, day="2026-10-25", starts_at="00:30", slot_minutes=30, slots=6),
        201,
    )
    slots = clinic["slots"]
    assert [s["local_start"] for s in slots] == [
        "00:30",
        "01:00",
        "01:30",
        "01:00",
        "01:30",
        "02:00",
    ]
    assert [s["local_offset"] for s in slots] == ["BST", "BST", "BST", "GMT", "GMT", "GMT"]
    starts = [datetime.fromisoformat(s["starts_at"]) for s in slots]
    assert starts[0] == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert all(b - a == timedelta(minutes=30) for a, b in zip(starts, starts[1:], strict=False))


async def test_a_clinic_on_the_day_the_clocks_go_forward(hub: TestClient, world: World) -> None:
    clinic = await _post(hub, "/api/clinics", _clinic(world, day="2027-03-28"), 201)
    first = clinic["slots"][0]
    assert first["local_start"] == "09:30" and first["local_offset"] == "BST"
    assert datetime.fromisoformat(first["starts_at"]) == datetime(2027, 3, 28, 8, 30, tzinfo=UTC)
    skipped = await hub.post(
        "/api/clinics", json=_clinic(world, day="2027-03-28", starts_at="01:30")
    )
    assert skipped.status == 422
    assert (await skipped.json())["field"] == "starts_at"
    twice = await hub.post("/api/clinics", json=_clinic(world, day="2026-10-25", starts_at="01:30"))
    assert twice.status == 422
    assert "twice" in (await twice.json())["message"]


async def test_book_cancel_rebook_and_did_not_attend(
    hub: TestClient, world: World, clock: FakeClock, db: Database
) -> None:
    clinic = await _post(hub, "/api/clinics", _clinic(world), 201)
    first, second, third = (s["id"] for s in clinic["slots"])
    person = world.home_a.resident.id
    booked = await _post(hub, "/api/appointments", {"slot_id": first, "person_id": person}, 201)
    assert booked["status"] == "booked" and booked["site_id"] == world.home_a.site.id
    assert booked["local_start"] == "09:30"
    again = await hub.post("/api/appointments", json={"slot_id": first, "person_id": person})
    assert again.status == 409

    moved = await _post(hub, f"/api/appointments/{booked['id']}/rebook", {"slot_id": second}, 201)
    assert moved["rebooked_from_id"] == booked["id"] and moved["slot_id"] == second
    # The first slot is free again; the old booking says where it went.
    listed = await (await hub.get("/api/appointments", params={"day": "2026-10-20"})).json()
    old = next(a for a in listed if a["id"] == booked["id"])
    assert old["status"] == "rebooked" and old["rebooked_to_id"] == moved["id"]
    taken = await _post(hub, "/api/appointments", {"slot_id": first, "person_id": person}, 201)
    cancelled = await _post(hub, f"/api/appointments/{taken['id']}/cancel", {}, 200)
    assert cancelled["status"] == "cancelled"
    assert (await hub.post(f"/api/appointments/{taken['id']}/cancel", json={})).status == 409
    clinics = await (await hub.get("/api/clinics", params={"day": "2026-10-20"})).json()
    holders = {s["id"]: s["appointment_id"] for s in clinics[0]["slots"]}
    assert holders == {first: None, second: moved["id"], third: None}

    # Did-not-attend only once the slot has started; it keeps the slot.
    early = await hub.post(f"/api/appointments/{moved['id']}/did-not-attend", json={})
    assert early.status == 409
    clock.advance(datetime(2026, 10, 20, 9, 55, tzinfo=UTC) - clock.now())
    await sign_in(hub, world.specialist.username)  # weeks later: a new session
    dna = await _post(hub, f"/api/appointments/{moved['id']}/did-not-attend", {}, 200)
    assert dna["status"] == "did_not_attend"
    # A slot that has started cannot be booked.
    late = await hub.post("/api/appointments", json={"slot_id": third, "person_id": person})
    assert late.status == 409
    async with db.session() as s:
        actions = (
            await s.exec(
                select(AuditEvent.action).where(col(AuditEvent.action).like("appointment_%"))
            )
        ).all()
    assert {"appointment_book", "appointment_cancel", "appointment_dna"} <= set(actions)


async def test_a_site_sees_its_own_appointments_only(
    hub: TestClient, world: World, settings: HubSettings, clock: FakeClock
) -> None:
    clinic = await _post(hub, "/api/clinics", _clinic(world), 201)
    slot_a, slot_b, _ = (s["id"] for s in clinic["slots"])
    a = await _post(
        hub, "/api/appointments", {"slot_id": slot_a, "person_id": world.home_a.resident.id}, 201
    )
    b = await _post(
        hub, "/api/appointments", {"slot_id": slot_b, "person_id": world.home_b.resident.id}, 201
    )
    async with TestClient(HubServer(create_app(settings, clock=clock))) as staff:
        await sign_in(staff, world.home_a.staff.username)
        seen = await (await staff.get("/api/appointments")).json()
        assert [x["id"] for x in seen] == [a["id"]]
        other = await staff.get("/api/appointments", params={"site": world.home_b.site.id})
        assert await other.json() == []
        refused = await staff.post(f"/api/appointments/{b['id']}/cancel", json={})
        assert refused.status == 403
        booking = await staff.post(
            "/api/appointments", json={"slot_id": slot_b, "person_id": world.home_a.resident.id}
        )
        assert booking.status == 403


async def test_a_specialist_creates_clinics_for_themself_only(
    hub: TestClient, world: World
) -> None:
    someone_else = await hub.post("/api/clinics", json=_clinic(world, clinician_id=world.nurse.id))
    assert someone_else.status == 403


async def test_one_hundred_bookings_of_one_slot_at_once_give_one_winner(
    db: Database, world: World
) -> None:
    clock = FakeClock(BEFORE)
    service = AppointmentService(db, clock)
    specialist = user_principal(world.specialist)
    clinic = await service.create_clinic(
        specialist,
        ClinicCreate(
            specialty="Cardiology",
            clinician_id=world.specialist.id or 0,
            day=date(2026, 10, 20),
            starts_at="10:00",
            slot_minutes=15,
            slots=1,
        ),
    )
    slot = clinic.slots[0].id
    bookers = [user_principal(u) for u in (world.specialist, world.nurse, world.admin)]
    people = [world.home_a.resident.id or 0, world.home_b.resident.id or 0]

    async def attempt(n: int) -> str:
        body = AppointmentCreate(slot_id=slot, person_id=people[n % 2])
        try:
            await service.book(bookers[n % 3], body)
        except Conflict:
            return "taken"
        return "booked"

    answers = await asyncio.gather(*(attempt(n) for n in range(100)))
    assert answers.count("booked") == 1
    assert answers.count("taken") == 99
    async with db.session() as s:
        held = (
            await s.exec(select(Appointment).where(col(Appointment.live_slot_id) == slot))
        ).all()
    assert len(held) == 1
