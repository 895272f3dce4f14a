"""Booked specialist clinics: sessions, their slots and the appointments in them.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Index,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .columns import utc_field


class ClinicSession(SQLModel, table=True):
    """A booked clinic: one clinician's consecutive slots on one Europe/London day."""

    __tablename__ = "clinic_session"

    id: int | None = Field(default=None, primary_key=True)
    specialty: str = Field(max_length=100)
    clinician_id: int = Field(foreign_key="hub_user.id", index=True)
    day: date = Field(index=True)
    created_by: str = Field(max_length=40)
    created_at: datetime = utc_field()


class ClinicSlot(SQLModel, table=True):
    """One appointment's place in a clinic. Start and end are UTC instants, spaced in real
    time from the clinic's first London wall-clock start (so a clock change is right)."""

    __tablename__ = "clinic_slot"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic_session.id", index=True)
    starts_at: datetime = utc_field(index=True)
    ends_at: datetime = utc_field()


class Appointment(SQLModel, table=True):
    """A slot booked for a person at their site.

    ``live_slot_id`` is the slot while this booking holds it (booked, held, did not attend)
    and NULL once it lets it go (cancelled, moved): its unique constraint is what makes two
    bookings of one slot at once give one winner, on SQLite and PostgreSQL alike."""

    __table_args__ = (
        UniqueConstraint("live_slot_id", name="uq_appointment_live_slot"),
        Index("ix_appointment_site_starts", "site_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="clinic_slot.id", index=True)
    live_slot_id: int | None = Field(default=None, foreign_key="clinic_slot.id")
    clinic_id: int = Field(foreign_key="clinic_session.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    site_id: int = Field(foreign_key="organisation.id")
    status: str = Field(max_length=16)
    starts_at: datetime = utc_field()
    booked_by: str = Field(max_length=40)
    booked_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)  # cancelled, moved or marked DNA
    rebooked_from_id: int | None = Field(default=None, foreign_key="appointment.id")
    rebooked_to_id: int | None = Field(default=None, foreign_key="appointment.id")
    arrived_at: datetime | None = utc_field(nullable=True)  # joined the waiting room
    arrived_by: str | None = Field(default=None, max_length=40)  # device:<id> or user:<id>
    call_id: str | None = Field(default=None, foreign_key="call.id", max_length=36)
    reminded_before_at: datetime | None = utc_field(nullable=True)
    reminded_at: datetime | None = utc_field(nullable=True)
    late_flagged_at: datetime | None = utc_field(nullable=True)
