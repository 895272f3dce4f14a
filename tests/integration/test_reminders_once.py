"""A clinic's reminders go once even though every hub process runs the reminder timer: two
processes' sweeps deciding at the same moment on PostgreSQL give one reminder, because each
is claimed by a conditional UPDATE that commits before it is sent.

The race is made certain, not left to chance: the test holds the appointment's row lock
while both processes sweep, waits until PostgreSQL shows both blocked behind it, then lets
them go at once."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from hub.appointments.service import AppointmentService
from hub.appointments.waiting import WaitingRoom
from hub.auth.service import user_principal
from hub.broker import topics
from hub.broker.base import Envelope
from hub.broker.fanout import Fanout
from hub.broker.memory import MemoryBroker
from hub.calls.announce import Announcer
from hub.clock import FakeClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Appointment
from schemas.appointments import AppointmentCreate, ClinicCreate
from support.world import World, add_prison

DAY = date(2026, 11, 10)
SLOT = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
BLOCKED_BEHIND = """
WITH RECURSIVE waiting(pid) AS (
  SELECT CAST(:me AS integer)
  UNION
  SELECT a.pid FROM pg_stat_activity a JOIN waiting w ON w.pid = ANY(pg_blocking_pids(a.pid))
)
SELECT count(*) - 1 FROM waiting
"""  # the sessions waiting behind the lock that session :me holds, directly or in a queue


@pytest.fixture
def backend() -> str:
    if not os.environ.get("HUB_TEST_DATABASE_URL"):
        pytest.skip("HUB_TEST_DATABASE_URL is not set (make test sets it)")
    return "postgres"  # the race is between processes sharing PostgreSQL


@pytest.fixture
async def processes(settings: HubSettings) -> AsyncIterator[list[Database]]:
    """Two hub processes' own database pools."""
    both = [Database.from_settings(settings), Database.from_settings(settings)]
    yield both
    for database in both:
        await database.close()


async def _booked(db: Database, world: World, clock: FakeClock) -> Appointment:
    _site, prisoner = await add_prison(db, world)
    specialist = user_principal(world.specialist)
    service = AppointmentService(db, clock)
    clinic = await service.create_clinic(
        specialist,
        ClinicCreate(
            specialty="Dermatology", clinician_id=world.specialist.id or 0, day=DAY,
            starts_at="10:00", slot_minutes=20, slots=1,
        ),  # fmt: skip
    )
    booked = await service.book(
        specialist, AppointmentCreate(slot_id=clinic.slots[0].id, person_id=prisoner.id or 0)
    )
    async with db.session() as s:
        found = await s.get(Appointment, booked.id)
    assert found is not None
    return found


async def _no_gap() -> None:
    raise AssertionError("one in-process broker has no gaps")


async def test_two_hub_processes_sweeping_at_once_send_one_reminder(
    db: Database, world: World, settings: HubSettings, processes: list[Database]
) -> None:
    clock = FakeClock(SLOT - timedelta(hours=1))
    appointment = await _booked(db, world, clock)
    clock.advance(timedelta(minutes=45))  # 09:45: the reminder before the slot is due
    sent: list[Envelope] = []
    broker = MemoryBroker()  # both processes publish to one broker, as to one Redis
    await broker.start(sent.append, _no_gap)
    fanout = Fanout(broker)
    rooms = [
        WaitingRoom(p, clock, fanout, Announcer(p, clock, settings, fanout)) for p in processes
    ]

    async with db.session() as holder:  # hold the row while both processes decide
        stmt = select(Appointment).where(Appointment.id == appointment.id).with_for_update()
        await holder.exec(stmt)
        me = (await holder.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        sweeps = [asyncio.create_task(room.sweep()) for room in rooms]
        blocked = 0
        for _ in range(10_000):  # each turn is a round trip to PostgreSQL, no sleep
            async with db.session() as look:  # a new transaction: a fresh view of activity
                blocked = (await look.execute(text(BLOCKED_BEHIND), {"me": me})).scalar_one()
            if blocked == 2 or any(t.done() for t in sweeps):
                break
        assert blocked == 2, "both processes' sweeps should be waiting for the row"
    counts = await asyncio.gather(*sweeps)

    assert sorted(counts) == [0, 1]
    site_topic = topics.site_news(appointment.site_id)
    reminders = [json.loads(e.body) for e in sent if e.topic == site_topic]
    assert [r["what"] for r in reminders] == ["reminder_before"]
    async with db.session() as s:
        stored = await s.get(Appointment, appointment.id)
    assert stored is not None and stored.reminded_before_at is not None
    assert [await room.sweep() for room in rooms] == [0, 0]  # and never again
