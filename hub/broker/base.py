"""The broker: a doorbell between hub processes. At-most-once; the database is the truth.

Every envelope carries the publishing process's ``origin`` and a strictly increasing
``position``. A subscriber that sees a gap from an origin, or loses its connection, calls
``on_gap`` so the hub catches up from the database.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from schemas.broker import Envelope

Deliver = Callable[[Envelope], None]  # hands the envelope to local sockets; never waits
OnGap = Callable[[], Awaitable[None]]


class Broker(Protocol):
    origin: str

    @property
    def healthy(self) -> bool:
        """Whether doorbells are getting through right now (``/readyz`` reports it)."""
        ...

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None: ...

    async def publish(
        self, topic: str, body: str, *, seq: int = 0, call_id: str | None = None
    ) -> None: ...

    async def close(self) -> None: ...


class Positions:
    """Numbers this process's envelopes, and spots gaps in other processes' numbering."""

    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex[:12]
        self._next = itertools.count(1)
        self._seen: dict[str, int] = {}

    def envelope(self, topic: str, body: str, seq: int = 0, call_id: str | None = None) -> Envelope:
        return Envelope(topic, self.origin, next(self._next), body, seq, call_id)

    def is_gap(self, envelope: Envelope) -> bool:
        last = self._seen.get(envelope.origin)
        self._seen[envelope.origin] = envelope.position
        return last is not None and envelope.position != last + 1

    def forget(self) -> None:
        self._seen.clear()
