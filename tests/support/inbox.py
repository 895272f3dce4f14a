"""What a broker subscriber in a test hears: every envelope, and how many gaps."""

from __future__ import annotations

import asyncio

from schemas.broker import Envelope

# Seconds a test broker gives Redis to answer, for tests of order on a Redis that answers: a
# stall of the shared server or of the test worker under CI load must not count as an outage
# there (outages have their own tests: test_broker_outage, tests/faults).
REDIS_ANSWERS = 30.0


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
