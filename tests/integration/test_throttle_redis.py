"""The throttle on Redis counts every guard of one attempt in one round trip (one script),
and decides exactly as ``limits``' own moving window does guard by guard: the same
attempts, refusals and windows, a guard's later rules untouched once one refuses."""

from __future__ import annotations

import random

import pytest
import redis.asyncio as aioredis
from limits.aio.storage import MemoryStorage

from hub.auth.throttle import Guard, Throttle, Throttled
from hub.settings import HubSettings
from support.servers import RedisServer

RULES = {"rate_ws_credential": "3/minute;5/hour", "rate_device_sign_in": "4/minute"}


def _throttle(settings: HubSettings, redis: RedisServer | None) -> Throttle:
    rules = settings.model_copy(update={**RULES, "broker_url": redis.url if redis else "memory"})
    return Throttle(rules, None if redis else MemoryStorage())


async def _evalshas(url: str) -> int:
    client = aioredis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


async def test_both_guards_of_an_attempt_are_one_round_trip(
    settings: HubSettings, redis: RedisServer
) -> None:
    throttle = _throttle(settings, redis)
    pair = [(Guard.WS_CREDENTIAL, "address"), (Guard.WS_CREDENTIAL, "credential")]
    await throttle.attempt_all(pair)  # the script loaded (a first EVALSHA may miss)
    before = await _evalshas(redis.url)
    await throttle.attempt_all(pair)
    assert await _evalshas(redis.url) - before == 1


async def test_redis_decides_as_limits_does_in_memory(
    settings: HubSettings, redis: RedisServer
) -> None:
    shared, alone = _throttle(settings, redis), _throttle(settings, None)
    draw = random.Random(16)
    addresses, credentials = ["a1", "a2"], ["c1", "c2", "c3", "c4"]
    decisions: dict[str, list[str]] = {"redis": [], "memory": []}
    for _ in range(40):
        guards = [(Guard.WS_CREDENTIAL, draw.choice(addresses))]
        guards.append((Guard.WS_CREDENTIAL, draw.choice(credentials)))
        if draw.random() < 0.3:
            guards.append((Guard.DEVICE_SIGN_IN, draw.choice(credentials)))
        for name, throttle in (("redis", shared), ("memory", alone)):
            try:
                await throttle.attempt_all(guards)
                decisions[name].append("allowed")
            except Throttled as refused:
                decisions[name].append(f"{refused.guard.value} {refused.retry_after > 0}")
    assert decisions["redis"] == decisions["memory"]
    assert "allowed" in decisions["redis"] and len(set(decisions["redis"])) > 1
    for guard, key in [(Guard.WS_CREDENTIAL, k) for k in addresses + credentials]:
        for item in shared.rules[guard]:  # every window holds what limits would have kept
            here = await shared.limiter.get_window_stats(item, guard.value, key)
            there = await alone.limiter.get_window_stats(item, guard.value, key)
            assert here.remaining == there.remaining, (key, str(item))


@pytest.mark.parametrize("backend_name", ["redis", "memory"])
async def test_an_attempt_refused_by_one_guard_still_counts_against_the_other(
    settings: HubSettings, redis: RedisServer, backend_name: str
) -> None:
    throttle = _throttle(settings, redis if backend_name == "redis" else None)
    for n in range(3):  # the address's minute is used up by three devices
        await throttle.attempt_all([(Guard.WS_CREDENTIAL, "a"), (Guard.WS_CREDENTIAL, f"d{n}")])
    with pytest.raises(Throttled):
        await throttle.attempt_all([(Guard.WS_CREDENTIAL, "a"), (Guard.WS_CREDENTIAL, "d9")])
    item = throttle.rules[Guard.WS_CREDENTIAL][0]
    stats = await throttle.limiter.get_window_stats(item, Guard.WS_CREDENTIAL.value, "d9")
    assert stats.remaining == item.amount - 1


async def test_with_redis_gone_an_attempt_is_allowed_and_logged(
    settings: HubSettings, redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    throttle = _throttle(settings, redis)
    await throttle.attempt_all([(Guard.WS_CREDENTIAL, "a"), (Guard.WS_CREDENTIAL, "d")])
    redis.kill()
    for _ in range(5):  # more than the minute allows: nothing counts them, nothing refuses
        await throttle.attempt_all([(Guard.WS_CREDENTIAL, "a"), (Guard.WS_CREDENTIAL, "d")])
    assert any("ws_credential not throttled" in r.getMessage() for r in caplog.records)
