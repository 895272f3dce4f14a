"""WebRTC signalling payloads. Relayed between a call's participants; never stored."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ParticipantKey = Annotated[str, Field(pattern=r"^(user|device|echo):[0-9a-z-]{1,40}$")]
Sdp = Annotated[str, Field(min_length=1, max_length=64_000)]


class IceCandidate(BaseModel):
    """As RTCIceCandidateInit. An empty candidate string means end of candidates."""

    model_config = ConfigDict(extra="ignore")

    candidate: str = Field(max_length=1024)
    sdpMid: str | None = Field(default=None, max_length=64)  # noqa: N815 (browser's name)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)  # noqa: N815
    usernameFragment: str | None = Field(default=None, max_length=256)  # noqa: N815


class OfferSignal(BaseModel):
    kind: Literal["offer"] = "offer"
    sdp: Sdp
    ice_restart: bool = False


class FirstOffer(BaseModel):
    """The accepting nurse's offer to the caller, sent with ``call/accept``: the hub relays it
    to ``to`` as a ``signal`` event once the accept is committed, a round trip sooner than a
    ``signal/offer`` sent after the accept's reply."""

    model_config = ConfigDict(extra="forbid")

    to: ParticipantKey
    sdp: Sdp


class AnswerSignal(BaseModel):
    kind: Literal["answer"] = "answer"
    sdp: Sdp


class CandidateSignal(BaseModel):
    kind: Literal["candidate"] = "candidate"
    candidate: IceCandidate


def candidate_signal_json(candidate: IceCandidate) -> str:
    """The same text as ``CandidateSignal(candidate=...).model_dump_json()`` without building
    the outer model, which cost as much again as the rest of relaying a candidate."""
    inner = candidate.__pydantic_serializer__.to_json(candidate).decode()
    return f'{{"kind":"candidate","candidate":{inner}}}'


class HangupSignal(BaseModel):
    kind: Literal["hangup"] = "hangup"


class MediaSignal(BaseModel):
    """What the sender's own camera is doing, so the other side can say why no picture
    arrives (a tablet turning its camera off for a weak uplink: the nurse is told)."""

    kind: Literal["media"] = "media"
    video: bool
    why: Literal["weak_connection", "turned_off", "camera_failed"] | None = None


Signal = Annotated[
    OfferSignal | AnswerSignal | CandidateSignal | HangupSignal | MediaSignal,
    Field(discriminator="kind"),
]


class IceTransportPolicy(StrEnum):
    """As RTCIceTransportPolicy: ``relay`` sends media only through the TURN server, so
    neither side's own network addresses are offered to the other."""

    ALL = "all"
    RELAY = "relay"


class IceServer(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None
