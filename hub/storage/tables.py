"""SQLModel tables: the hub's persistent record. Table models never travel on the wire.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``.
Indexes serve the queries the live queue and the monthly reports run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def _utc(nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


def _text(nullable: bool = True) -> Any:
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class Organisation(SQLModel, table=True):
    """The hub, a commissioner, or a site (care home, own-home service, prison)."""

    id: int | None = Field(default=None, primary_key=True)
    ods_code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, index=True)
    commissioner_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    registered_beds: int | None = None
    go_live: date | None = None
    created_at: datetime = _utc()


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
    allergies: str | None = _text()
    key_conditions: str | None = _text()
    care_wishes: str | None = _text()
    created_at: datetime = _utc()
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
    created_at: datetime = _utc()


class Device(SQLModel, table=True):
    """A tablet enrolled to a site. Only hashes of the enrolment code and credential are kept."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id", index=True)
    label: str = Field(max_length=100)
    enrolment_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrolment_expires_at: datetime | None = _utc(nullable=True)
    credential_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrolled_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()
    # Staff PINs tried on this tablet in the current window (see IdentityService.caller_by_pin):
    # reserved, checked and recorded in one conditional UPDATE, so parallel tries cannot race.
    pin_tries: int = 0
    pin_window_started_at: datetime | None = _utc(nullable=True)
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
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)
    last_seen_at: datetime | None = _utc(nullable=True)  # for the idle timeout


class Ticket(SQLModel, table=True):
    """A short-lived, single-use ticket that authenticates one websocket."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="hub_user.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    # The signed-in session that asked for it: it is redeemable only while that session is
    # live, and its socket closes when that session ends.
    session_id: int | None = Field(default=None, foreign_key="websession.id")
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)


class Call(SQLModel, table=True):
    """One request for help from a site, from the tablet's tap to the nurse's wrap-up.

    The codes the reports count (intent, counterfactual, disposition, 72-hour follow-up)
    are kept on the call itself so a month's report reads one indexed range of one table.
    """

    __table_args__ = (
        # Reports seek (month, site) and read the codes the rules need from the index alone.
        Index(
            "ix_call_month_site_facts",
            "local_month",
            "site_id",
            "nurse_counterfactual",
            "disposition",
            "home_intent",
            "ed_within_72h",
            "admitted_within_72h",
        ),
        Index("ix_call_state_priority", "state", "priority"),
        Index("ix_call_site_started", "site_id", "started_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    external_id: str | None = Field(default=None, max_length=64, unique=True)
    site_id: int = Field(foreign_key="organisation.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    device_id: int | None = Field(default=None, foreign_key="device.id")
    caller_name: str | None = Field(default=None, max_length=100)
    channel: str = Field(max_length=32)
    reason: str = Field(max_length=40)
    secondary_reason: str | None = Field(default=None, max_length=40)
    home_intent: str = Field(max_length=32)
    concern: str | None = _text()
    observations: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    soft_signs: list[str] | None = Field(default=None, sa_column=Column(JSON))
    news2_total: int | None = None
    news2_band: str | None = Field(default=None, max_length=16)
    news2_complete: bool | None = None
    priority: int = 0
    state: str = Field(max_length=16)
    started_at: datetime = _utc()
    local_month: str = Field(max_length=7)
    answered_at: datetime | None = _utc(nullable=True)
    ended_at: datetime | None = _utc(nullable=True)
    closed_at: datetime | None = _utc(nullable=True)
    nurse_id: int | None = Field(default=None, foreign_key="hub_user.id", index=True)
    nurse_counterfactual: str | None = Field(default=None, max_length=32)
    disposition: str | None = Field(default=None, max_length=32)
    ed_within_72h: str = Field(default="unknown", max_length=8)
    admitted_within_72h: str = Field(default="unknown", max_length=8)
    source: str = Field(default="live", max_length=16)
    client_ref: str | None = Field(
        default=None, max_length=120, unique=True, description="caller key + client call id"
    )
    queued_at: datetime | None = _utc(nullable=True)
    offered_to: int | None = Field(default=None, foreign_key="hub_user.id")
    overdue_at: datetime | None = _utc(nullable=True)
    # Prison calls: "Without this call, what would happen?" and who was with the patient.
    prison_intent: str | None = Field(default=None, max_length=32)
    accompanied_by: list[str] | None = Field(default=None, sa_column=Column(JSON))
    escort_needed: bool | None = None  # recorded at wrap-up (prison calls only)
    gold_line_outcome: str | None = Field(default=None, max_length=24)  # Gold Line calls only


class CallEvent(SQLModel, table=True):
    """Every state change and notable moment of a call, with time and actor."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    at: datetime = _utc()
    kind: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    actor_user_id: int | None = Field(default=None, foreign_key="hub_user.id")
    actor_device_id: int | None = Field(default=None, foreign_key="device.id")
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class CallParticipant(SQLModel, table=True):
    """Someone in a call: the caller, the nurse, a specialist. Kept through a dropped socket."""

    __table_args__ = (Index("ix_participant_key_left", "key", "left_at"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    key: str = Field(max_length=40, description="user:<id> or device:<id>")
    user_id: int | None = Field(default=None, foreign_key="hub_user.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    role: str = Field(max_length=16, description="caller, nurse or specialist")
    name: str = Field(max_length=200)
    invited_at: datetime | None = _utc(nullable=True)
    joined_at: datetime | None = _utc(nullable=True)
    left_at: datetime | None = _utc(nullable=True)
    disconnected_at: datetime | None = _utc(nullable=True)
    process_id: str | None = Field(
        default=None, max_length=32, description="the hub process holding its socket"
    )


class Message(SQLModel, table=True):
    """A secure message in the thread between a site and the hub (in or outside a call).

    ``site_seq`` numbers the site's thread; ``hub_seq`` numbers everything the hub receives.
    Each is allocated inside the writing transaction, so they follow commit order.
    """

    __table_args__ = (
        UniqueConstraint("sender_key", "client_message_id", name="uq_message_client_id"),
        UniqueConstraint("site_id", "site_seq", name="uq_message_site_seq"),
        UniqueConstraint("hub_seq", name="uq_message_hub_seq"),
        Index("ix_message_site_created", "site_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id")
    site_seq: int
    hub_seq: int
    call_id: str | None = Field(default=None, foreign_key="call.id", max_length=36)
    sender_key: str = Field(max_length=40, description="user:<id> or device:<id>")
    sender_name: str = Field(max_length=200)
    client_message_id: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    photo_id: int | None = None
    created_at: datetime = _utc()
    # A message about one person at home: it is also in that person's own thread, numbered
    # by ``person_seq`` (allocated like ``site_seq``), the only thread their devices read.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    person_seq: int | None = None


class ThreadCounter(SQLModel, table=True):
    """The last sequence number given out in a thread (``site:<id>`` or ``hub``).

    Incremented with one UPDATE as the first write of the message's transaction, so the
    row lock orders writers and sequence numbers follow commit order with no gaps.
    """

    thread: str = Field(primary_key=True, max_length=40)
    last_seq: int = 0


class ReadCursor(SQLModel, table=True):
    """How far one reader (a device or a user) has acknowledged a thread."""

    reader_key: str = Field(primary_key=True, max_length=40)
    thread: str = Field(primary_key=True, max_length=40, description="site:<id> or hub")
    acked_seq: int = 0


class Photo(SQLModel, table=True):
    """A photo attached to a message (a wound, a rash). Size and type are limited on upload."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id", index=True)
    content_type: str = Field(max_length=32)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str = Field(max_length=40)
    created_at: datetime = _utc()
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)


class Outcome(SQLModel, table=True):
    """The nurse's structured record of a call, written at wrap-up. Never edited: see Amendment."""

    call_id: str = Field(primary_key=True, foreign_key="call.id", max_length=36)
    disposition: str = Field(max_length=32)
    nurse_counterfactual: str = Field(max_length=32)
    clinical_note: str = Field(sa_column=Column(Text, nullable=False))
    advice_to_home: str | None = _text()  # for the home: what to do, warning signs, call back
    follow_up_needed: bool = True
    recorded_by: int = Field(foreign_key="hub_user.id")
    recorded_at: datetime = _utc()


class Amendment(SQLModel, table=True):
    """A correction appended to a closed call's record."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    field: str = Field(max_length=40)
    old_value: str | None = _text()
    new_value: str | None = _text()
    reason: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: int = Field(foreign_key="hub_user.id")
    recorded_at: datetime = _utc()


class Escalation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    code: str = Field(max_length=32)
    specialty: str | None = Field(default=None, max_length=100)
    at: datetime = _utc()
    recorded_by: int | None = Field(default=None, foreign_key="hub_user.id")


class FollowUpTask(SQLModel, table=True):
    """A 72-hour follow-up: call the home back, or record linked hospital data."""

    __table_args__ = (Index("ix_followup_open_due", "completed_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    due_at: datetime = _utc()
    completed_at: datetime | None = _utc(nullable=True)
    completed_by: int | None = Field(default=None, foreign_key="hub_user.id")
    ed_within_72h: str = Field(default="unknown", max_length=8)
    admitted_within_72h: str = Field(default="unknown", max_length=8)


class AuditEvent(SQLModel, table=True):
    """Who did or read what, when. Never holds clinical free text or tokens."""

    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_person", "person_id"),
        Index("ix_audit_actor", "actor"),
        Index("ix_audit_seq", "seq", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor: str = Field(max_length=40, description="user:<id>, device:<id>, cli or anonymous")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    action: str = Field(max_length=40)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    person_id: int | None = Field(
        default=None,
        description="Whose record was read or refused (no foreign key: a refused "
        "read may name an id that does not exist)",
    )
    outcome: str = Field(default="ok", max_length=16)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    seq: int | None = Field(default=None, description="The row's place in the hash chain")
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The one row that holds the end of the audit hash chain. Every transaction that adds
    audit rows updates it, so writers take its lock in turn and the chain stays linear."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
    last_hash: str = Field(max_length=64)


class HospitalActivity(SQLModel, table=True):
    """Imported hospital activity of one site in one calendar month (for the before/after
    comparison in the monthly report). One row per (site, month); a re-import updates it."""

    __tablename__ = "hospital_activity"
    __table_args__ = (UniqueConstraint("site_id", "month", name="uq_hospital_activity_site_month"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id")
    month: str = Field(max_length=7, description="YYYY-MM")
    ed_attendances: int
    emergency_admissions: int
    bed_days: int
    residents: int
    imported_at: datetime = _utc()


class SiteMonth(SQLModel, table=True):
    """The counts every section of the monthly report reads, per site per London month:
    what ``hub.reports.counts`` says each call adds, kept in the same transaction as every
    change to a call's counted columns (``hub.storage.repos.aggregates.recount``) and
    recomputed from the calls by ``telehub reports rebuild``."""

    __tablename__ = "report_site_month"

    site_id: int = Field(foreign_key="organisation.id", primary_key=True)
    month: str = Field(max_length=7, primary_key=True, description="YYYY-MM, London time")
    calls: int = 0
    technical_failures: int = 0
    no_outcome: int = 0
    ambulance_claimed: int = 0
    ambulance_confirmed: int = 0
    ambulance_unverified: int = 0
    ambulance_refuted: int = 0
    ed_attendance_claimed: int = 0
    ed_attendance_confirmed: int = 0
    ed_attendance_unverified: int = 0
    ed_attendance_refuted: int = 0
    admission_claimed: int = 0
    admission_confirmed: int = 0
    admission_unverified: int = 0
    admission_refuted: int = 0
    gp_contact_claimed: int = 0


class CallQualityReport(SQLModel, table=True):
    """What one participant's client reported about how a call went (``call/quality``):
    minutes of video and audio only, reconnects, a failure. Apart from the clinical outcome;
    the latest report of each participant replaces its earlier one."""

    __tablename__ = "call_quality"
    __table_args__ = (UniqueConstraint("call_id", "reporter", name="uq_call_quality_reporter"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    reporter: str = Field(max_length=40, description="user:<id> or device:<id>")
    video_seconds: int = 0
    audio_only_seconds: int = 0
    reconnects: int = 0
    resumed: int = 0
    ended_by_failure: bool = False
    reported_at: datetime = _utc()


class WrapUpDraft(SQLModel, table=True):
    """A nurse's unfinished wrap-up of one call, saved as she types, so the record survives a
    browser crash or a closed tab. Removed once the outcome is recorded."""

    __tablename__ = "wrapup_draft"

    call_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("call.id", name="fk_wrapup_draft_call"), primary_key=True
        )
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("hub_user.id", name="fk_wrapup_draft_user"), primary_key=True
        )
    )
    answers: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 1
    updated_at: datetime = _utc()


class ShiftPresence(SQLModel, table=True):
    """What a member of hub staff says they are doing, and when their console last checked in.
    Kept in the database so every hub process sees the same shift."""

    __tablename__ = "shift_presence"

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("hub_user.id", name="fk_shift_presence_user"), primary_key=True
        )
    )
    status: str = Field(max_length=16)
    since: datetime = _utc()
    last_seen_at: datetime = _utc()


class HubProcess(SQLModel, table=True):
    """A running hub process, seen alive at ``seen_at``. One that stops being seen has
    died (kill -9, a lost host): its participants count as disconnected from then."""

    __tablename__ = "hub_process"

    id: str = Field(primary_key=True, max_length=32)
    started_at: datetime = _utc()
    seen_at: datetime = _utc()


class ClinicSession(SQLModel, table=True):
    """A booked clinic: one clinician's consecutive slots on one Europe/London day."""

    __tablename__ = "clinic_session"

    id: int | None = Field(default=None, primary_key=True)
    specialty: str = Field(max_length=100)
    clinician_id: int = Field(foreign_key="hub_user.id", index=True)
    day: date = Field(index=True)
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc()


class ClinicSlot(SQLModel, table=True):
    """One appointment's place in a clinic. Start and end are UTC instants, spaced in real
    time from the clinic's first London wall-clock start (so a clock change is right)."""

    __tablename__ = "clinic_slot"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic_session.id", index=True)
    starts_at: datetime = _utc(index=True)
    ends_at: datetime = _utc()


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
    starts_at: datetime = _utc()
    booked_by: str = Field(max_length=40)
    booked_at: datetime = _utc()
    ended_at: datetime | None = _utc(nullable=True)  # cancelled, moved or marked DNA
    rebooked_from_id: int | None = Field(default=None, foreign_key="appointment.id")
    rebooked_to_id: int | None = Field(default=None, foreign_key="appointment.id")
    arrived_at: datetime | None = _utc(nullable=True)  # joined the waiting room
    arrived_by: str | None = Field(default=None, max_length=40)  # device:<id> or user:<id>
    call_id: str | None = Field(default=None, foreign_key="call.id", max_length=36)
    reminded_before_at: datetime | None = _utc(nullable=True)
    reminded_at: datetime | None = _utc(nullable=True)
    late_flagged_at: datetime | None = _utc(nullable=True)


# The palliative register's tables live in their own module; importing them here puts them
# on the one metadata with the rest (the migrations are checked against it).
from .tables_palliative import Death as Death  # noqa: E402
from .tables_palliative import PalliativeEntry as PalliativeEntry  # noqa: E402
