"""What the hub sends: ``auth_ok``, results, errors and pushed events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    TypeAdapter,
)
from pydantic_core import to_json

from .appointments import AppointmentPublic
from .bounds import CommandId, Counted, RowId
from .codes import (
    Accompaniment,
    CallerRelationship,
    CallState,
    Channel,
    HomeIntent,
    PrisonIntent,
    Reason,
    Role,
    SoftSign,
)
from .errors import ErrorBody
from .observations import Observations
from .outcomes import AdvicePublic
from .signalling import IceServer, IceTransportPolicy, Signal
from .wire_commands import PresenceStatus


# -- what the hub says --------------------------------------------------------------------
class Participant(BaseModel):
    key: str
    name: str
    role: str  # caller, nurse, specialist
    connected: bool


class News2Summary(BaseModel):
    total: Counted
    band: str
    complete: bool
    text: str


class CallSnapshot(BaseModel):
    id: str
    state: CallState
    site_id: RowId
    site_name: str
    site_kind: str
    person_id: RowId | None
    person_name: str | None
    # From a device enrolled to one person: who is calling about them (patient or carer).
    caller_relationship: CallerRelationship | None = None
    channel: Channel
    reason: Reason
    secondary_reason: Reason | None
    home_intent: HomeIntent
    prison_intent: PrisonIntent | None = None
    accompanied_by: list[Accompaniment] = Field(default_factory=list, max_length=2)
    concern: str | None
    soft_signs: list[SoftSign]
    observations: Observations | None
    news2: News2Summary | None
    sbard: str | None
    priority: Counted
    started_at: datetime
    answered_at: datetime | None
    nurse_id: RowId | None
    nurse_name: str | None
    offered_to: Counted | None
    participants: list[Participant]
    queue_position: Counted | None = None


class QueueEntry(BaseModel):
    call: CallSnapshot
    position: Counted
    waited_seconds: Counted
    overdue: bool


class MessageOut(BaseModel):
    id: RowId
    site_id: RowId
    site_seq: Counted
    hub_seq: Counted
    call_id: str | None
    sender_key: str
    sender_name: str
    client_message_id: str
    body: str
    photo_id: RowId | None
    created_at: datetime
    person_id: RowId | None = None
    person_seq: Counted | None = None  # its place in that person's own thread


class Who(BaseModel):
    kind: Literal["user", "device"]
    id: RowId
    name: str
    role: Role
    organisation_id: RowId
    participant_key: str
    # A device enrolled to one person at home: whose device it is, and who holds it.
    person_id: RowId | None = None
    relationship: CallerRelationship | None = None


class AuthOk(BaseModel):
    type: Literal["auth_ok"] = "auth_ok"
    who: Who
    ice_servers: list[IceServer]
    ice_transport_policy: IceTransportPolicy = IceTransportPolicy.ALL
    heartbeat_seconds: float
    resume_window_seconds: Counted
    calls: list[CallSnapshot]


class AuthInvalid(BaseModel):
    type: Literal["auth_invalid"] = "auth_invalid"
    error: ErrorBody


class Result(BaseModel):
    type: Literal["result"] = "result"
    id: RowId
    result: Any = None


def result_frame(command_id: int, result_json: str) -> str:
    """A ``Result`` frame around a result already serialised to JSON: the same text as
    ``Result(id=command_id, result=...).model_dump_json()``, without building the model."""
    return f'{{"type":"result","id":{int(command_id)},"result":{result_json}}}'


class Error(BaseModel):
    type: Literal["error"] = "error"
    id: CommandId | None
    error: ErrorBody


class QueueEvent(BaseModel):
    kind: Literal["queue"] = "queue"
    entries: list[QueueEntry]


class CallEvent(BaseModel):
    kind: Literal["call"] = "call"
    call: CallSnapshot


class RingEvent(BaseModel):
    """You are asked to take a call (a transfer) or join one (a specialist)."""

    kind: Literal["ring"] = "ring"
    call: CallSnapshot
    why: Literal["transfer", "specialist"]


class SignalEvent(BaseModel):
    kind: Literal["signal"] = "signal"
    call_id: str
    from_key: str
    signal: Signal


def signal_event_json(call_id: str, from_key: str, signal_json: str) -> str:
    """A ``SignalEvent`` around a signal already serialised to JSON: the same text as
    ``SignalEvent(call_id=..., from_key=..., signal=...).model_dump_json()``. Relaying an ICE
    candidate is the hub's hottest path, and building two models per candidate doubled it."""
    return (
        f'{{"kind":"signal","call_id":{_json_str(call_id)},"from_key":{_json_str(from_key)},'
        f'"signal":{signal_json}}}'
    )


def _json_str(text: str) -> str:
    return to_json(text).decode()


class MessageEvent(BaseModel):
    kind: Literal["message"] = "message"
    message: MessageOut


class OverdueEvent(BaseModel):
    kind: Literal["overdue"] = "overdue"
    call_id: str
    waited_seconds: Counted


class AppointmentEvent(BaseModel):
    """A booked clinic's news (docs/protocol.md, "Booked clinics"): to every socket of the
    site, its reminders (15 minutes before, and at the time); to the clinician, an arrival in
    the waiting room and a slot not joined 10 minutes after its start."""

    kind: Literal["appointment"] = "appointment"
    what: Literal["reminder_before", "reminder_now", "arrived", "late"]
    appointment: AppointmentPublic


class AdviceEvent(BaseModel):
    """The nurse's advice to the home, to the call's caller when the outcome is recorded (the
    tablet may already be on its "call ended" screen)."""

    kind: Literal["advice"] = "advice"
    advice: AdvicePublic


class StaffPresence(BaseModel):
    user_id: RowId
    name: str
    role: Role
    specialty: str | None
    status: PresenceStatus | Literal["offline"]
    online: bool
    doing: str = Field(description="In words: 'On a call · Home A', 'Wrap-up', 'Available'")
    call_id: str | None
    since: datetime | None


class PresenceEvent(BaseModel):
    kind: Literal["presence"] = "presence"
    staff: list[StaffPresence]


EventBody = Annotated[
    QueueEvent
    | CallEvent
    | RingEvent
    | SignalEvent
    | MessageEvent
    | OverdueEvent
    | PresenceEvent
    | AppointmentEvent
    | AdviceEvent,
    Field(discriminator="kind"),
]


class Event(BaseModel):
    type: Literal["event"] = "event"
    id: Counted = 0  # the subscription's id, or 0 for events every connection gets
    event: EventBody


ServerFrame = Annotated[AuthOk | AuthInvalid | Result | Error | Event, Field(discriminator="type")]
server_frame = TypeAdapter[Any](ServerFrame)
