"""The demo's booked clinics: a prison dermatology clinic tomorrow and one a month before."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from hub.appointments.slots import slot_times
from hub.clock import london_date
from hub.storage.tables import Appointment, ClinicSession, ClinicSlot, Organisation, Person, User
from schemas.codes import AppointmentStatus, OrganisationKind


async def clinics(
    s: Any, sites: Sequence[Organisation], people: Sequence[Person], specialist: User, now: datetime
) -> None:
    """A dermatology clinic for the prison tomorrow at 10:00 London time (six 20-minute
    slots, three booked), and one each month for the last three months (held and missed),
    so the prison's clinic list, the waiting room and the report's clinic figures show."""
    prison = next((x for x in sites if x.kind == OrganisationKind.PRISON), None)
    if prison is None:
        return
    prisoners = [p for p in people if p.site_id == prison.id]
    own = random.Random(2026)
    today = london_date(now)
    days = [today + timedelta(days=1), *(today - timedelta(days=30 * n) for n in (1, 2, 3))]
    for day in days:
        clinic = ClinicSession(
            specialty="Dermatology", clinician_id=specialist.id or 0, day=day,
            created_by="cli", created_at=now - timedelta(days=14),
        )  # fmt: skip
        s.add(clinic)
        await s.flush()
        for n, slot_time in enumerate(slot_times(day, time(10, 0), 20, 6)):
            slot = ClinicSlot(
                clinic_id=clinic.id or 0, starts_at=slot_time.starts_at, ends_at=slot_time.ends_at
            )
            s.add(slot)
            await s.flush()
            if n % 2:
                continue  # every other slot left free
            past = slot_time.starts_at < now
            status = AppointmentStatus.BOOKED
            if past:
                status = (
                    AppointmentStatus.DID_NOT_ATTEND
                    if own.random() < 0.15
                    else AppointmentStatus.HELD
                )
            person = prisoners[(n + len(days)) % len(prisoners)]
            s.add(
                Appointment(
                    slot_id=slot.id or 0,
                    live_slot_id=slot.id,
                    clinic_id=clinic.id or 0,
                    person_id=person.id or 0,
                    site_id=prison.id or 0,
                    status=status.value,
                    starts_at=slot_time.starts_at,
                    booked_by="cli",
                    booked_at=slot_time.starts_at - timedelta(days=own.randint(5, 21)),
                )  # fmt: skip
            )
