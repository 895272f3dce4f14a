"""The envelope that crosses the broker between hub processes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter

from .bounds import Counted


@dataclass(slots=True)
class Envelope:
    """A plain dataclass, not a model: one is built for every event delivered in-process,
    signalling included. ``ENVELOPE`` validates and writes it where it crosses Redis. Not
    frozen, because a frozen dataclass is built field by field through ``object.__setattr__``;
    nothing changes an envelope once built."""

    topic: str
    origin: str  # the publishing process
    position: Counted  # strictly increasing per origin: a gap means a missed doorbell
    body: str  # the event, already serialised once for every recipient
    seq: Counted = 0  # a thread message's sequence number for this topic's readers
    call_id: str | None = None  # set when a call's participants or state changed


ENVELOPE = TypeAdapter(Envelope)


@dataclass(slots=True)
class Revocation:
    """A principal or one of its sessions lost its access: every hub process closes the
    matching sockets it holds. Sent as the body of an envelope on the revocations topic."""

    code: int  # a schemas.wire.CloseCode
    reason: str  # shown to the person, as the close reason
    participant_key: str | None = None  # every socket of this user or device
    session_token_hash: str | None = None  # or only the sockets opened from this session


REVOCATION = TypeAdapter(Revocation)
