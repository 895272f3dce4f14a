"""What a broker subscriber in a test hears: every envelope, and how many gaps."""

from __future__ import annotations

import asyncio

from schemas.broker import Envelope


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.gaps = 0
        self.arrived = asyncio.Event()

    def deliver(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)
        self.arrived.set()

    async def on_gap(self) -> None:
        self.gaps += 1

    async def wait_for(self, count: int) -> list[Envelope]:
        async with asyncio.timeout(10):
            while len(self.envelopes) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.envelopes
