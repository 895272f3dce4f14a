"""The in-process broker for a single hub process (the embedded default)."""

from __future__ import annotations

from typing import Any

from .base import Deliver, OnGap, Positions


class MemoryBroker:
    def __init__(self) -> None:
        self._positions = Positions()
        self.origin = self._positions.origin
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:
        self._deliver = deliver

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        if self._deliver is not None:
            await self._deliver(self._positions.envelope(topic, payload))

    async def close(self) -> None:
        self._deliver = None
