"""Websocket frames between the hub and its clients.

A client opens ``/ws`` and first sends an ``auth`` frame (a staff ticket or a device
credential). After ``auth_ok`` every client frame is a command with a strictly increasing
integer ``id``; the hub answers each with a ``result`` or an ``error`` echoing that id, and
pushes ``event`` frames. Types read ``area/verb``.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import to_json

from .appointments import AppointmentPublic
from .bounds import CommandId, Counted, RowId
from .codes import (
    Accompaniment,
    CallerRelationship,
    CallState,
    Channel,
    Disposition,
    Escalation,
    HomeIntent,
    NurseCounterfactual,
    PrisonIntent,
    Reason,
    Role,
    SoftSign,
)
from .errors import ErrorBody
from .observations import Observations
from .outcomes import ADVICE_MAX, AdvicePublic
from .palliative import GoldLineOutcome
from .signalling import (
    FirstOffer,
    IceCandidate,
    IceServer,
    IceTransportPolicy,
    ParticipantKey,
    Sdp,
    Signal,
)

CallId = Annotated[str, Field(min_length=1, max_length=36)]
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


PIN_DIGITS = (4, 8)  # a care-home carer's PIN for signing calls on a shared tablet
PIN_RULE = f"A PIN is {PIN_DIGITS[0]} to {PIN_DIGITS[1]} digits"


def is_pin(value: str) -> bool:
    return value.isascii() and value.isdigit() and PIN_DIGITS[0] <= len(value) <= PIN_DIGITS[1]


def _pin(value: str) -> str:
    if not is_pin(value):
        raise ValueError(PIN_RULE)
    return value


Pin = Annotated[
    str,
    AfterValidator(_pin),
    WithJsonSchema({"type": "string", "pattern": f"^[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}$"}),
]
MAX_FRAME_BYTES = 256 * 1024


class CloseCode(IntEnum):
    """Why the hub closed an authenticated socket (the websocket close code; the close
    reason is a sentence to show). Clients reconnect after any other code."""

    SESSION_ENDED = 4401  # signed out, or the session expired: sign in again to reconnect
    REVOKED = 4403  # the tablet was removed or the account disabled: do not reconnect
    TOO_MANY_SOCKETS = 4429  # this user or device already has its limit of open sockets

    @property
    def reconnects(self) -> bool:
        """Whether a client should try again by itself."""
        return self is CloseCode.SESSION_ENDED


# The close reasons the hub sends with those codes (at most 123 bytes each, by RFC 6455).
DEVICE_REMOVED = "This tablet has been removed from the hub"
USER_DISABLED = "This account has been disabled"
SIGNED_OUT = "You have signed out"
SESSION_EXPIRED = "Your session has expired: sign in again"
TOO_MANY_SOCKETS = "Too many connections open for this account: close one and try again"


# -- auth ---------------------------------------------------------------------------------
class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["auth"]
    ticket: str | None = Field(default=None, max_length=200)
    credential: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_secret(self) -> Auth:
        if (self.ticket is None) == (self.credential is None):
            raise ValueError("send exactly one of ticket (staff) or credential (device)")
        return self


# -- client commands ----------------------------------------------------------------------
class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Strict: a JSON integer only, never "5", 5.0 or true (the hub refuses those by name).
    id: int = Field(ge=1, le=2**53, strict=True)


class Ping(Command):
    type: Literal["ping"]


class CallStart(Command):
    """A site asks for help. ``client_call_id`` makes a retried request idempotent."""

    type: Literal["call/start"]
    client_call_id: ClientId
    person_id: RowId | None = None
    channel: Channel
    reason: Reason
    secondary_reason: Reason | None = None
    home_intent: HomeIntent
    concern: str = Field(default="", max_length=2000)
    observations: Observations | None = None
    soft_signs: list[SoftSign] = Field(default_factory=list, max_length=20)
    caller_name: str | None = Field(default=None, max_length=100)
    # Prison healthcare units only: the counterfactual asked on their form, and who is with
    # the patient (docs/protocol.md, "Prison calls").
    prison_intent: PrisonIntent | None = None
    accompanied_by: list[Accompaniment] = Field(default_factory=list, max_length=2)
    # Shared tablets: the member of staff signs the call with their PIN (checked, not kept).
    caller_pin: Pin | None = Field(default=None, repr=False)


class CallRef(Command):
    call_id: CallId


class CallCancel(CallRef):
    type: Literal["call/cancel"]


class CallGet(CallRef):
    type: Literal["call/get"]


class CallAccept(CallRef):
    type: Literal["call/accept"]
    # Optional: the nurse's offer to the caller, relayed once the accept is committed.
    offer: FirstOffer | None = None


class CallHold(CallRef):
    type: Literal["call/hold"]
    on: bool


class CallRetriage(CallRef):
    """A nurse changes a waiting call's clinical priority (1 low, 2 medium, 3 high), e.g.
    after a message from the home while it waits; the queue is re-ordered for every nurse."""

    type: Literal["call/retriage"]
    priority: int = Field(ge=1, le=3, strict=True)


class CallTransfer(CallRef):
    type: Literal["call/transfer"]
    to_user_id: RowId


class CallInvite(CallRef):
    """The nurse draws a specialist into the call."""

    type: Literal["call/invite"]
    user_id: RowId


class CallJoin(CallRef):
    type: Literal["call/join"]


class CallLeave(CallRef):
    type: Literal["call/leave"]


class CallQuality(CallRef):
    """How the call went for this participant's device, sent by the client itself (never
    typed by anyone) when it leaves the call, and again if it has more to add: each report
    replaces the participant's last one. Kept apart from the clinical outcome."""

    type: Literal["call/quality"]
    video_seconds: int = Field(ge=0, le=86_400, strict=True, description="seconds with video")
    audio_only_seconds: int = Field(
        ge=0, le=86_400, strict=True, description="seconds connected with audio alone"
    )
    reconnects: int = Field(
        default=0, ge=0, le=1000, strict=True, description="times the media connection dropped"
    )
    resumed: int = Field(
        default=0, ge=0, le=1000, strict=True, description="of those, times it came back"
    )
    ended_by_failure: bool = Field(
        default=False, description="the call ended because the connection failed"
    )


class CallEnd(CallRef):
    """The nurse ends the conversation; the call goes to wrap-up."""

    type: Literal["call/end"]


class CallClose(CallRef):
    """The nurse's structured record; the call closes only when it is complete."""

    type: Literal["call/close"]
    disposition: Disposition
    nurse_counterfactual: NurseCounterfactual
    escalations: list[Escalation] = Field(default_factory=list, max_length=10)
    clinical_note: str = Field(min_length=1, max_length=10_000)
    advice_to_home: str = Field(
        default="",
        max_length=ADVICE_MAX,
        description="Optional written advice to the home, shown on its tablet",
    )
    follow_up_needed: bool | None = None
    escort_needed: bool | None = Field(
        default=None,
        description="A prison's calls only, and there required: was an escorted transfer out "
        "of the prison (A&E, outpatients, admission) needed after all?",
    )
    gold_line_outcome: GoldLineOutcome | None = Field(
        default=None,
        description="A Gold Line call's only, and there required: what the call led to",
    )


class QueueSubscribe(Command):
    type: Literal["queue/subscribe"]


class QueueUnsubscribe(Command):
    type: Literal["queue/unsubscribe"]
    subscription: CommandId


class SignalOffer(CallRef):
    type: Literal["signal/offer"]
    to: ParticipantKey
    sdp: Sdp
    ice_restart: bool = False


class SignalAnswer(CallRef):
    type: Literal["signal/answer"]
    to: ParticipantKey
    sdp: Sdp


class SignalCandidate(CallRef):
    type: Literal["signal/candidate"]
    to: ParticipantKey
    candidate: IceCandidate


class SignalHangup(CallRef):
    type: Literal["signal/hangup"]
    to: ParticipantKey


class SignalMedia(CallRef):
    """Tell a peer what this side's camera is doing (relayed like signalling, never stored)."""

    type: Literal["signal/media"]
    to: ParticipantKey
    video: bool
    why: Literal["weak_connection", "turned_off", "camera_failed"] | None = None


class MessageSend(Command):
    type: Literal["message/send"]
    site_id: RowId | None = None  # a site's own thread when omitted
    # About one person at home: it reaches their own devices too (theirs are always so).
    person_id: RowId | None = None
    call_id: CallId | None = None
    client_message_id: ClientId
    body: str = Field(min_length=1, max_length=4000)
    photo_id: RowId | None = None


class MessageSync(Command):
    """Replay a thread after a sequence number, then keep delivering live."""

    type: Literal["message/sync"]
    after_seq: Counted = 0


class MessageAck(Command):
    type: Literal["message/ack"]
    seq: Counted


class EchoStart(Command):
    """Check my equipment: a test call to the hub's echo peer."""

    type: Literal["echo/start"]
    sdp: Sdp


class EchoStop(Command):
    type: Literal["echo/stop"]
    echo_id: str = Field(max_length=40)


PresenceStatus = Literal["available", "busy", "on_break", "admin"]


class PresenceSet(Command):
    """Say what I am doing on shift; sent on connecting and as a heartbeat while open."""

    type: Literal["presence/set"]
    status: PresenceStatus = "available"


class PresenceSubscribe(Command):
    """Everyone on the hub's staff and what they are doing now, then ``presence`` events."""

    type: Literal["presence/subscribe"]


ClientCommand = Annotated[
    Ping
    | CallStart
    | CallCancel
    | CallGet
    | CallAccept
    | CallHold
    | CallRetriage
    | CallTransfer
    | CallInvite
    | CallJoin
    | CallLeave
    | CallEnd
    | CallQuality
    | CallClose
    | QueueSubscribe
    | QueueUnsubscribe
    | SignalOffer
    | SignalAnswer
    | SignalCandidate
    | SignalHangup
    | SignalMedia
    | MessageSend
    | MessageSync
    | MessageAck
    | EchoStart
    | EchoStop
    | PresenceSet
    | PresenceSubscribe,
    Field(discriminator="type"),
]
client_command = TypeAdapter[Any](ClientCommand)


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
