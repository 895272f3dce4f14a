"""Issue 16 item 5, gap storms with several processes, against the real Redis: one
process's envelopes reach every receiver in the order they were numbered however many
tasks publish at once (no reorder read as a gap), and the catch-up a real gap asks for
runs off the listener, coalesced: deliveries go on while it runs, and a burst of gaps
costs at most two catch-ups, not one each."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from hub.broker.redis import RedisBroker
from schemas.broker import ENVELOPE, Envelope
from support.inbox import REDIS_ANSWERS, Inbox
from support.servers import eventually

pytestmark = pytest.mark.redis
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "")


@pytest.fixture
async def channel() -> AsyncIterator[str]:
    if not REDIS_URL:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    yield f"telehub:test:{uuid.uuid4().hex}"


async def test_envelopes_published_by_many_tasks_at_once_arrive_in_order(channel: str) -> None:
    publisher, receiver = (
        RedisBroker(REDIS_URL, channel=channel, timeout=REDIS_ANSWERS) for _ in "ab"
    )
    inbox = Inbox()
    await receiver.start(inbox.deliver, inbox.on_gap)
    await publisher.start(Inbox().deliver, Inbox().on_gap)
    try:
        # 40 sockets' handlers publishing at the same moment, 50 doorbells each.
        async def handler(n: int) -> None:
            for k in range(50):
                await publisher.publish(f"site:{n}", f'{{"k":{k}}}', seq=k)

        await asyncio.gather(*(handler(n) for n in range(40)))
        got = await inbox.wait_for(2000)
        assert [e.position for e in got] == list(range(1, 2001))
        assert inbox.gaps == 0  # no reorder was taken for a missed doorbell
    finally:
        await publisher.close()
        await receiver.close()


async def test_a_burst_of_gaps_costs_two_catch_ups_and_never_holds_up_delivery(
    channel: str,
) -> None:
    delivered: list[Envelope] = []
    release = asyncio.Event()
    catch_ups = 0

    async def slow_catch_up() -> None:  # a database read that takes as long as it takes
        nonlocal catch_ups
        catch_ups += 1
        await release.wait()

    receiver = RedisBroker(REDIS_URL, channel=channel)
    await receiver.start(delivered.append, slow_catch_up)
    raw = Redis.from_url(REDIS_URL)
    try:
        # Three other processes, each of whose numbering skips every other position: 60
        # gaps, all while the first catch-up is still reading.
        for position in range(1, 41, 2):
            for origin in ("a", "b", "c"):
                envelope = Envelope(f"site:{origin}", origin, position, "{}")
                await raw.publish(channel, ENVELOPE.dump_json(envelope))
        await eventually(lambda: len(delivered) >= 60, within=10)  # delivered meanwhile
        assert catch_ups == 1  # the rest asked for one more run, not one each
        release.set()
        await eventually(lambda: catch_ups >= 2, within=10)
        # Anything published after the second run has been delivered: a third run, had
        # one been asked for, would have started by then.
        await raw.publish(channel, ENVELOPE.dump_json(Envelope("site:d", "d", 1, "{}")))
        await eventually(lambda: len(delivered) >= 61, within=10)
        assert catch_ups == 2
    finally:
        release.set()
        await raw.aclose()
        await receiver.close()
