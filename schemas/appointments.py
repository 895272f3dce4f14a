"""Booked clinics over REST: clinic sessions, their slots, and appointments in them.

Times on the wire are UTC instants; each slot also carries its Europe/London wall-clock
start (``local_start``) as pages show it, so a clinic across the clock change reads right.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from .api import Body, Day, Public, Query
from .bounds import RowId
from .codes import AppointmentStatus
from .nhs import NhsNumber


def _clock_time(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise ValueError("a time of day is HH:MM on the 24-hour clock, e.g. 09:30")
    return value.strip()


ClockTime = Annotated[
    str,
    StringConstraints(max_length=5),
    AfterValidator(_clock_time),
]
Specialty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ClinicCreate(Body):
    """A clinic session: one clinician's consecutive slots on one London day."""

    specialty: Specialty
    clinician_id: RowId = Field(description="the specialist who holds the clinic")
    day: date = Field(description="the Europe/London calendar day")
    starts_at: ClockTime = Field(description="the first slot's London wall-clock time, HH:MM")
    slot_minutes: int = Field(ge=5, le=240)
    slots: int = Field(ge=1, le=48)


class SlotPublic(Public):
    id: RowId
    starts_at: datetime
    ends_at: datetime
    local_start: str = Field(description="the Europe/London wall-clock start, HH:MM")
    local_offset: str = Field(description="London's offset from UTC then: GMT or BST")
    appointment_id: RowId | None = Field(default=None, description="the booking holding it")


class ClinicPublic(Public):
    id: RowId
    specialty: str
    clinician_id: RowId
    clinician_name: str
    day: date
    slots: list[SlotPublic]


class ClinicQuery(Query):
    day: Day | None = Field(default=None, description="a London day (default: every day)")


class AppointmentCreate(Body):
    """Book a slot for a person; the appointment is at the person's site."""

    slot_id: RowId
    person_id: RowId


class SlotBooking(Body):
    """Book a slot for the person with this NHS number at this site (the console's form)."""

    slot_id: RowId
    site_id: RowId = Field(description="the site the person is registered at")
    nhs_number: NhsNumber


class AppointmentRebook(Body):
    """Move an appointment to another free slot (the old one is freed)."""

    slot_id: RowId


class AppointmentPublic(Public):
    id: RowId
    slot_id: RowId
    clinic_id: RowId
    specialty: str
    clinician_name: str
    person_id: RowId
    site_id: RowId
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    local_start: str
    booked_at: datetime
    rebooked_from_id: RowId | None = None
    rebooked_to_id: RowId | None = None
    arrived_at: datetime | None = Field(default=None, description="joined the waiting room")
    call_id: str | None = Field(default=None, description="the call it was held on")


class AppointmentQuery(Query):
    day: Day | None = Field(default=None, description="a London day (default: every day)")
    site: RowId | None = None
