"""The broker contract, run against both implementations (memory, and the real Redis)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from hub.broker.base import Broker
from hub.broker.memory import MemoryBroker
from hub.broker.redis import RedisBroker
from schemas.broker import Envelope
from support.inbox import REDIS_ANSWERS, Inbox

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def brokers(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Broker, Broker]]:
    """Two brokers as two hub processes would hold them (the same one for memory)."""
    if request.param == "memory":
        one = MemoryBroker()
        yield one, one
        await one.close()
        return
    if not REDIS_URL:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    channel = f"telehub:test:{uuid.uuid4().hex}"
    first, second = (RedisBroker(REDIS_URL, channel=channel, timeout=REDIS_ANSWERS) for _ in "ab")
    yield first, second
    await first.close()
    await second.close()


async def test_a_published_envelope_reaches_a_subscriber_in_order(
    brokers: tuple[Broker, Broker],
) -> None:
    publisher, subscriber = brokers
    inbox = Inbox()
    try:
        await subscriber.start(inbox.deliver, inbox.on_gap)
    except OSError as exc:
        pytest.fail(f"Redis at HUB_TEST_REDIS_URL is unreachable: {exc}")
    if publisher is not subscriber:
        await publisher.start(Inbox().deliver, Inbox().on_gap)
    for n in range(50):
        await publisher.publish(f"site:{n % 3}", f'{{"n":{n}}}', seq=n)
    got = await inbox.wait_for(50)
    assert [json.loads(e.body)["n"] for e in got] == list(range(50))
    assert [e.seq for e in got] == list(range(50))
    assert [e.position for e in got] == list(range(1, 51))
    assert {e.origin for e in got} == {publisher.origin}
    assert got[4].topic == "site:1"
    assert inbox.gaps == 0


async def test_a_missing_position_is_reported_as_a_gap() -> None:
    from hub.broker.base import Positions

    positions = Positions()
    first = Envelope(topic="t", origin="other", position=1, body="{}")
    third = Envelope(topic="t", origin="other", position=3, body="{}")
    assert positions.is_gap(first) is False
    assert positions.is_gap(third) is True
