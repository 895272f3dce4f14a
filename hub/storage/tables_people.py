"""Who the hub knows: organisations (the hub, commissioners, sites), the people cared for,
staff accounts, enrolled devices, and their web sessions and websocket tickets.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .columns import text_field, utc_field


class Organisation(SQLModel, table=True):
    """The hub, a commissioner, or a site (care home, own-home service, prison)."""

    id: int | None = Field(default=None, primary_key=True)
    ods_code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, index=True)
    commissioner_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    registered_beds: int | None = None
    go_live: date | None = None
    created_at: datetime = utc_field()


class Person(SQLModel, table=True):
    """A resident of a care home, a patient at home, or a prisoner.

    One record per person per site: a site registering someone already known at another
    site gets its own record, so registering never tells a site who is known elsewhere
    (the hub, which sees every site, sees both records)."""

    __table_args__ = (
        UniqueConstraint("site_id", "nhs_number", name="uq_person_site_nhs"),
        UniqueConstraint("site_id", "prison_number", name="uq_person_site_prison_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    nhs_number: str = Field(max_length=10, index=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100, index=True)
    date_of_birth: date
    site_id: int = Field(foreign_key="organisation.id", index=True)
    resuscitation_status: str = Field(max_length=32, default="not_recorded")
    allergies: str | None = text_field()
    key_conditions: str | None = text_field()
    care_wishes: str | None = text_field()
    created_at: datetime = utc_field()
    # A prisoner's prison number (e.g. A1234BC); the tablet shows it with initials, not a name.
    prison_number: str | None = Field(default=None, max_length=7)


class User(SQLModel, table=True):
    """A member of staff with one role in one organisation."""

    __tablename__ = "hub_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    specialty: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=200)
    # Care-home staff only: an optional PIN (argon2id) to sign a call on a shared tablet.
    pin_hash: str | None = Field(default=None, max_length=200)
    active: bool = True
    created_at: datetime = utc_field()


class Device(SQLModel, table=True):
    """A tablet enrolled to a site. Only hashes of the enrolment code and credential are kept."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id", index=True)
    label: str = Field(max_length=100)
    enrolment_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrolment_expires_at: datetime | None = utc_field(nullable=True)
    credential_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrolled_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    # Staff PINs tried on this tablet in the current window (see IdentityService.caller_by_pin):
    # reserved, checked and recorded in one conditional UPDATE, so parallel tries cannot race.
    pin_tries: int = 0
    pin_window_started_at: datetime | None = utc_field(nullable=True)
    # An own-home device is enrolled to one person: its scope is that person alone. Who
    # holds it (patient or carer, schemas.codes.CallerRelationship) travels with its calls.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    relationship: str | None = Field(default=None, max_length=16)


class WebSession(SQLModel, table=True):
    """A signed-in browser: a staff member, or an enrolled device."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="hub_user.id", index=True)
    device_id: int | None = Field(default=None, foreign_key="device.id", index=True)
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
    last_seen_at: datetime | None = utc_field(nullable=True)  # for the idle timeout


class Ticket(SQLModel, table=True):
    """A short-lived, single-use ticket that authenticates one websocket."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="hub_user.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    # The signed-in session that asked for it: it is redeemable only while that session is
    # live, and its socket closes when that session ends.
    session_id: int | None = Field(default=None, foreign_key="websession.id")
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
