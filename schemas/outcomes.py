"""REST bodies for a call's outcome: the wrap-up (draft and record), 72-hour follow-ups,
amendments, the resident summary beside the video, the call record and the shift view.

Codes come from ``schemas.codes``; nothing here spells a code by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .api import CallId, LondonDaysQuery, Query
from .bounds import Counted, RowId
from .codes import (
    CallState,
    Disposition,
    Escalation,
    FollowUpAnswer,
    NurseCounterfactual,
    ResuscitationStatus,
)
from .palliative import GoldLineOutcome

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
ADVICE_MAX = 2000
AdviceText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=ADVICE_MAX)]
"""The nurse's written advice to the home: what to do, warning signs, when to call back."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- wrap-up ------------------------------------------------------------------------------
class WrapUpAnswers(Body):
    """What the nurse has entered so far. Every field may be missing in a draft; the record
    is refused until the required ones (``REQUIRED_WRAP_UP``) are given."""

    disposition: Disposition | None = None
    nurse_counterfactual: NurseCounterfactual | None = None
    escalations: list[Escalation] = Field(default_factory=list, max_length=10)
    clinical_note: Note = ""
    advice_to_home: AdviceText = Field(
        default="",
        description="Optional: what the home should do, the warning signs, when to call back "
        "(shown on the home's tablet and kept on the resident's page)",
    )
    follow_up_needed: bool | None = Field(
        default=None, description="None: yes when any avoided measure is claimed"
    )
    escort_needed: bool | None = Field(
        default=None,
        description="A prison's calls only, and there required: was an escorted transfer out "
        "of the prison needed after all?",
    )
    gold_line_outcome: GoldLineOutcome | None = Field(
        default=None,
        description="A Gold Line call's only, and there required: what the call led to",
    )


REQUIRED_WRAP_UP: dict[str, str] = {
    "disposition": "Select the disposition: what happened at the end of the call",
    "nurse_counterfactual": (
        "Select the nurse counterfactual: what would most likely have happened without the call"
    ),
    "clinical_note": "Enter a clinical note",
}
"""The wrap-up's required fields, each with the message that names it when it is missing."""


class WrapUpDraftSave(WrapUpAnswers):
    """A draft save. ``revision`` is the one the browser last saw: an older one is refused, so
    a slow save from a closed tab never overwrites a newer one."""

    revision: Counted = Field(default=0, ge=0)


class WrapUpDraftPublic(BaseModel):
    call_id: str
    answers: WrapUpAnswers
    revision: Counted = Field(description="0 when nothing has been saved yet")
    saved_at: datetime | None
    claims: list[str] = Field(description="Avoided measures the answers would claim (labels)")
    follow_up_default: bool = Field(description="Whether follow-up defaults to yes")
    missing: list[str] = Field(description="Required fields not yet given")
    recorded_escalations: list[Escalation] = Field(
        description="Escalations the hub recorded itself (a specialist who joined)"
    )
    notes: list[str] = Field(
        default_factory=list,
        description="Saved answers the hub could not restore (a code since retired), each "
        "saying what to choose again; shown to the nurse with the draft",
    )


# -- follow-ups ---------------------------------------------------------------------------
class FollowUpRecord(Body):
    """The answer to a 72-hour follow-up: from a call back to the home, or linked data."""

    ed_within_72h: FollowUpAnswer
    admitted_within_72h: FollowUpAnswer
    method: Literal["callback", "data_linkage"] = "callback"


class FollowUpTaskPublic(BaseModel):
    id: RowId
    call_id: str
    due_at: datetime
    overdue: bool
    nurse_id: RowId | None = None  # the nurse who took the call
    completed_at: datetime | None
    completed_by_name: str | None
    site_name: str
    person_name: str | None
    call_started_at: datetime
    reason: str
    disposition: str | None
    claims: list[str]
    ed_within_72h: FollowUpAnswer
    admitted_within_72h: FollowUpAnswer


# -- amendments ---------------------------------------------------------------------------
AmendableField = Literal["disposition", "nurse_counterfactual", "clinical_note", "advice_to_home"]


class AmendmentCreate(Body):
    field: AmendableField
    new_value: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class AmendmentPublic(BaseModel):
    id: RowId
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    recorded_by_name: str
    recorded_at: datetime


# -- the record of a call -----------------------------------------------------------------
class OutcomePublic(BaseModel):
    disposition: Disposition
    nurse_counterfactual: NurseCounterfactual
    clinical_note: str
    advice_to_home: str | None = Field(default=None, description="As recorded at wrap-up")
    follow_up_needed: bool
    recorded_by_name: str
    recorded_at: datetime


class AdvicePublic(BaseModel):
    """The nurse's advice to the home after one call, as amended: what the tablet shows at
    the end of the call and keeps on the resident's page."""

    call_id: str
    person_id: RowId | None
    person_name: str | None
    call_started_at: datetime
    reason: str
    advice: str
    nurse_name: str | None
    recorded_at: datetime = Field(description="When it (or its latest amendment) was given")
    amended: bool = False


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    text: str = Field(description="What happened, in words")
    actor_name: str | None


class EscalationPublic(BaseModel):
    code: Escalation
    label: str
    specialty: str | None
    at: datetime


class ParticipantRecord(BaseModel):
    name: str
    role: str
    invited_at: datetime | None
    joined_at: datetime | None
    left_at: datetime | None
    seconds_to_join: float | None


class MeasureVerdict(BaseModel):
    measure: str
    verdict: str


class CallRecord(BaseModel):
    """A call as the read-only record page shows it."""

    id: str
    state: CallState
    site_id: RowId
    site_name: str
    person_id: RowId | None
    person_name: str | None
    caller_name: str | None
    channel: str
    reason: str
    home_intent: str
    concern: str | None
    news2_total: Counted | None
    news2_band: str | None
    sbard: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    closed_at: datetime | None
    nurse_name: str | None
    outcome: OutcomePublic | None
    disposition: Disposition | None = Field(description="As amended")
    nurse_counterfactual: NurseCounterfactual | None = Field(description="As amended")
    advice_to_home: str | None = Field(default=None, description="As amended")
    gold_line_outcome: GoldLineOutcome | None = Field(
        default=None, description="What a Gold Line call led to (Gold Line calls only)"
    )
    escalations: list[EscalationPublic]
    participants: list[ParticipantRecord]
    follow_up: FollowUpTaskPublic | None
    ed_within_72h: FollowUpAnswer
    admitted_within_72h: FollowUpAnswer
    measures: list[MeasureVerdict]
    amendments: list[AmendmentPublic]
    timeline: list[TimelineEntry]


class HistoryRow(BaseModel):
    id: str
    started_at: datetime
    site_id: RowId
    site_name: str
    person_id: RowId | None = None
    person_name: str | None
    reason: str
    state: CallState
    disposition: Disposition | None
    gold_line_outcome: GoldLineOutcome | None = Field(
        default=None, description="What a Gold Line call led to (Gold Line calls only)"
    )
    nurse_name: str | None


# -- the resident beside the video --------------------------------------------------------
class RecentCall(BaseModel):
    id: str
    started_at: datetime
    reason: str
    state: CallState
    disposition: str | None
    note: str | None


class ResidentSummary(BaseModel):
    id: RowId
    name: str
    nhs_number: str
    date_of_birth: str
    age: Counted
    site_name: str
    resuscitation_status: ResuscitationStatus
    resuscitation_label: str
    key_conditions: str | None
    allergies: str | None
    care_wishes: str | None
    recent_calls: list[RecentCall] = Field(description="The last five calls, newest first")


# -- the shift ----------------------------------------------------------------------------
class NurseShift(BaseModel):
    user_id: RowId
    name: str
    answered: Counted
    closed: Counted
    live: Counted
    median_answer_seconds: Counted | None


class ShiftView(BaseModel):
    day: str
    waiting: Counted
    overdue_waiting: Counted
    longest_wait_seconds: Counted | None
    answered_today: Counted
    median_answer_seconds: Counted | None
    p90_answer_seconds: Counted | None
    within_target: Counted
    answer_target_seconds: Counted
    per_nurse: list[NurseShift]


class HistorySearch(LondonDaysQuery):
    """The call-history search (dates are whole London days, both ends included)."""

    site: RowId | None = None
    resident: str | None = Field(default=None, max_length=100, description="name or NHS number")
    disposition: Disposition | None = None


class SummaryQuery(Query):
    call: CallId | None = Field(default=None, description="a call to leave out of the summary")
