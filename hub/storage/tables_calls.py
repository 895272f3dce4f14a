"""A call and everything recorded of it: its events and participants, the outcome and its
amendments, escalations, follow-up tasks, the clients' quality report and the nurse's
wrap-up draft.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .columns import text_field, utc_field


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
    concern: str | None = text_field()
    observations: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    soft_signs: list[str] | None = Field(default=None, sa_column=Column(JSON))
    news2_total: int | None = None
    news2_band: str | None = Field(default=None, max_length=16)
    news2_complete: bool | None = None
    priority: int = 0
    state: str = Field(max_length=16)
    started_at: datetime = utc_field()
    local_month: str = Field(max_length=7)
    answered_at: datetime | None = utc_field(nullable=True)
    ended_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    nurse_id: int | None = Field(default=None, foreign_key="hub_user.id", index=True)
    nurse_counterfactual: str | None = Field(default=None, max_length=32)
    disposition: str | None = Field(default=None, max_length=32)
    ed_within_72h: str = Field(default="unknown", max_length=8)
    admitted_within_72h: str = Field(default="unknown", max_length=8)
    source: str = Field(default="live", max_length=16)
    client_ref: str | None = Field(
        default=None, max_length=120, unique=True, description="caller key + client call id"
    )
    queued_at: datetime | None = utc_field(nullable=True)
    offered_to: int | None = Field(default=None, foreign_key="hub_user.id")
    overdue_at: datetime | None = utc_field(nullable=True)
    # Prison calls: "Without this call, what would happen?" and who was with the patient.
    prison_intent: str | None = Field(default=None, max_length=32)
    accompanied_by: list[str] | None = Field(default=None, sa_column=Column(JSON))
    escort_needed: bool | None = None  # recorded at wrap-up (prison calls only)
    gold_line_outcome: str | None = Field(default=None, max_length=24)  # Gold Line calls only


class CallEvent(SQLModel, table=True):
    """Every state change and notable moment of a call, with time and actor."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    at: datetime = utc_field()
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
    invited_at: datetime | None = utc_field(nullable=True)
    joined_at: datetime | None = utc_field(nullable=True)
    left_at: datetime | None = utc_field(nullable=True)
    disconnected_at: datetime | None = utc_field(nullable=True)
    process_id: str | None = Field(
        default=None, max_length=32, description="the hub process holding its socket"
    )


class Outcome(SQLModel, table=True):
    """The nurse's structured record of a call, written at wrap-up. Never edited: see Amendment."""

    call_id: str = Field(primary_key=True, foreign_key="call.id", max_length=36)
    disposition: str = Field(max_length=32)
    nurse_counterfactual: str = Field(max_length=32)
    clinical_note: str = Field(sa_column=Column(Text, nullable=False))
    advice_to_home: str | None = text_field()  # for the home: what to do, warning signs, call back
    follow_up_needed: bool = True
    recorded_by: int = Field(foreign_key="hub_user.id")
    recorded_at: datetime = utc_field()


class Amendment(SQLModel, table=True):
    """A correction appended to a closed call's record."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    field: str = Field(max_length=40)
    old_value: str | None = text_field()
    new_value: str | None = text_field()
    reason: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: int = Field(foreign_key="hub_user.id")
    recorded_at: datetime = utc_field()


class Escalation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    code: str = Field(max_length=32)
    specialty: str | None = Field(default=None, max_length=100)
    at: datetime = utc_field()
    recorded_by: int | None = Field(default=None, foreign_key="hub_user.id")


class FollowUpTask(SQLModel, table=True):
    """A 72-hour follow-up: call the home back, or record linked hospital data."""

    __table_args__ = (Index("ix_followup_open_due", "completed_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=36)
    due_at: datetime = utc_field()
    completed_at: datetime | None = utc_field(nullable=True)
    completed_by: int | None = Field(default=None, foreign_key="hub_user.id")
    ed_within_72h: str = Field(default="unknown", max_length=8)
    admitted_within_72h: str = Field(default="unknown", max_length=8)


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
    reported_at: datetime = utc_field()


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
    updated_at: datetime = utc_field()
