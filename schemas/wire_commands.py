"""What a client sends after ``auth_ok``: commands, each with a strictly increasing ``id``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
)

from .bounds import CommandId, Counted, RowId
from .codes import (
    Accompaniment,
    Channel,
    Disposition,
    Escalation,
    HomeIntent,
    NurseCounterfactual,
    PrisonIntent,
    Reason,
    SoftSign,
)
from .observations import Observations
from .outcomes import ADVICE_MAX
from .palliative import GoldLineOutcome
from .signalling import FirstOffer, IceCandidate, ParticipantKey, Sdp
from .wire_base import CallId, ClientId, Pin


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
