"""Throttling the guesses an attacker could make: passwords, device credentials, enrolment
codes, and new residents' NHS numbers.

Each guard is a moving-window limit (the ``limits`` library: the last N attempts in a
period, not a fixed window an attacker can straddle) per account and per client address.
One process keeps its windows in memory; with a Redis broker they live in that Redis, so
every hub process shares them. Attempts are counted *before* the expensive or revealing
check runs, so a throttled request never reaches argon2 and 60 parallel guesses are 60
attempts, not 60 checks. Keys are hashes: no username, credential or address is stored or
logged in the clear.

With Redis, every guard of one attempt (a websocket credential's: per address and per
device) is counted in one round trip, by one script that does what ``limits``' own moving
window does, key by key (the same lists of timestamps under the same keys, which
``limits`` reads back for Retry-After): two scripts' round trips and their Python were
about a tenth of an idle tablet's registration (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from hub.errors import RateLimited
from hub.settings import HubSettings

log = logging.getLogger("hub.auth")


class Guard(StrEnum):
    """What is being throttled, and by what key."""

    SIGN_IN_ACCOUNT = "sign_in:account"
    SIGN_IN_ADDRESS = "sign_in:address"
    DEVICE_SIGN_IN = "device_sign_in"  # per address, and per device credential
    ENROLMENT = "enrolment"  # per address
    WS_CREDENTIAL = "ws_credential"  # per address, and per device credential
    REGISTRATION = "registration"  # new residents, per user


def _rules(settings: HubSettings) -> dict[Guard, list[RateLimitItem]]:
    return {
        Guard.SIGN_IN_ACCOUNT: parse_many(settings.rate_sign_in_account),
        Guard.SIGN_IN_ADDRESS: parse_many(settings.rate_sign_in_address),
        Guard.DEVICE_SIGN_IN: parse_many(settings.rate_device_sign_in),
        Guard.ENROLMENT: parse_many(settings.rate_enrolment),
        Guard.WS_CREDENTIAL: parse_many(settings.rate_ws_credential),
        Guard.REGISTRATION: parse_many(settings.rate_registration),
    }


def storage_for(settings: HubSettings) -> Storage:
    """Memory for one process; the broker's Redis when there are several."""
    url = settings.broker_url
    if url.startswith(("redis://", "rediss://")):
        return RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=f"telehub:{settings.deployment}:limits",  # as the broker's channels
            wrap_exceptions=True,
        )
    return MemoryStorage(wrap_exceptions=True)


def hashed(value: str) -> str:
    """The key for an account, credential or address: a hash, never the value itself."""
    return hashlib.sha256(value.encode()).hexdigest()[:24]


class Throttled(RateLimited):
    """Too many attempts: try again in ``retry_after`` seconds (HTTP 429, Retry-After)."""

    def __init__(self, guard: Guard, retry_after: int) -> None:
        super().__init__(
            f"Too many attempts. Try again in {_wait_words(retry_after)}.", retry_after=retry_after
        )
        self.guard = guard


# ``limits``' acquire_moving_window.lua (limit and expiry per key, one entry each time),
# for every rule of every guard of one attempt: a guard's rules are tried in order and
# stop at the first that refuses, as ``Throttle.attempt`` did rule by rule; every guard is
# tried whatever the others say. Returns, per guard, 0 or the (1-based) rule that refused.
_ACQUIRE_ALL = """
local now = tonumber(ARGV[1])
local guards = tonumber(ARGV[2])
local at = 3 + guards
local k = 1
local refused = {}
for g = 1, guards do
    refused[g] = 0
    for r = 1, tonumber(ARGV[2 + g]) do
        if refused[g] == 0 then
            local limit = tonumber(ARGV[at])
            local expiry = tonumber(ARGV[at + 1])
            local entry = redis.call('lindex', KEYS[k], limit - 1)
            if entry and tonumber(entry) >= now - expiry then
                refused[g] = r
            else
                redis.call('lpush', KEYS[k], now)
                redis.call('ltrim', KEYS[k], 0, limit - 1)
                redis.call('expire', KEYS[k], expiry)
            end
        end
        k = k + 1
        at = at + 2
    end
end
return refused
"""


class Throttle:
    def __init__(self, settings: HubSettings, storage: Storage | None = None) -> None:
        self.storage = storage or storage_for(settings)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.rules = _rules(settings)
        self._acquire_all: Any = None  # the script, registered on first use (redis-py only)

    async def attempt(self, guard: Guard, key: str) -> None:
        """Count one attempt by ``key`` (already hashed); raise ``Throttled`` when it is one
        too many. If the shared store is unreachable the attempt is allowed and logged:
        sign-in must not stop working because Redis did."""
        await self.attempt_all([(guard, key)])

    async def attempt_all(self, guards: Sequence[tuple[Guard, str]]) -> None:
        """Count one attempt against every guard (each key already hashed), all of them
        whatever any one says; then raise ``Throttled`` for the first that refused."""
        if not guards:
            return
        try:
            bridge = getattr(self.storage, "bridge", None)
            if isinstance(self.storage, RedisStorage) and isinstance(bridge, RedispyBridge):
                refused = await self._acquire_in_redis(bridge, guards)
            else:
                refused = [await self._acquire(guard, key) for guard, key in guards]
            first = next(((g, k, r) for (g, k), r in zip(guards, refused, strict=True) if r), None)
            if first is None:
                return
            guard, key, rule = first
            item = self.rules[guard][rule - 1]
            stats = await self.limiter.get_window_stats(item, guard.value, key)
        except StorageError:
            log.error("rate-limit store unreachable: %s not throttled", guards[0][0].value)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        log.warning("throttled %s for key %s (%s)", guard.value, key, item)
        raise Throttled(guard, retry_after)

    async def _acquire(self, guard: Guard, key: str) -> int:
        """One guard's rules, in order, through ``limits``: 0, or the rule that refused."""
        for n, item in enumerate(self.rules[guard], start=1):
            if not await self.limiter.hit(item, guard.value, key):
                return n
        return 0

    async def _acquire_in_redis(
        self, bridge: RedispyBridge, guards: Sequence[tuple[Guard, str]]
    ) -> list[int]:
        """Every guard's rules in one script (one round trip): 0, or the rule that refused."""
        if self._acquire_all is None:
            self._acquire_all = bridge.get_connection().register_script(_ACQUIRE_ALL.encode())
        keys: list[str] = []
        counts: list[int] = []
        limits: list[int] = []
        for guard, key in guards:
            items = self.rules[guard]
            counts.append(len(items))
            for item in items:
                keys.append(bridge.prefixed_key(item.key_for(guard.value, key)))
                limits += [item.amount, item.get_expiry()]
        try:
            refused = await self._acquire_all(keys, [time.time(), len(guards), *counts, *limits])
        except bridge.base_exceptions as exc:
            raise StorageError(exc) from exc
        return [int(r) for r in refused]


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
