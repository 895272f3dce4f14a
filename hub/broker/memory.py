"""The in-process broker for a single hub process (the embedded default)."""

from __future__ import annotations

from .base import Deliver, OnGap, Positions


class MemoryBroker:
    def __init__(self) -> None:
        self._positions = Positions()
        self.origin = self._positions.origin
        self._deliver: Deliver | None = None

    @property
    def healthy(self) -> bool:
        return True

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:
        self._deliver = deliver

    async def publish(
        self, topic: str, body: str, *, seq: int = 0, call_id: str | None = None
    ) -> None:
        if self._deliver is not None:
            self._deliver(self._positions.envelope(topic, body, seq, call_id))

    async def close(self) -> None:
        self._deliver = None
