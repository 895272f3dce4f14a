"""Throttling the guesses an attacker could make: passwords, device credentials, enrolment
codes, and new residents' NHS numbers.

Each guard is a moving-window limit (the ``limits`` library: the last N attempts in a
period, not a fixed window an attacker can straddle) per account and per client address.
One process keeps its windows in memory; with a Redis broker they live in that Redis, so
every hub process shares them. Attempts are counted *before* the expensive or revealing
check runs, so a throttled request never reaches argon2 and 60 parallel guesses are 60
attempts, not 60 checks. Keys are hashes: no username, credential or address is stored or
logged in the clear.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from enum import StrEnum

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
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


class Throttle:
    def __init__(self, settings: HubSettings, storage: Storage | None = None) -> None:
        self.limiter = MovingWindowRateLimiter(storage or storage_for(settings))
        self.rules = _rules(settings)

    async def attempt(self, guard: Guard, key: str) -> None:
        """Count one attempt by ``key`` (already hashed); raise ``Throttled`` when it is one
        too many. If the shared store is unreachable the attempt is allowed and logged:
        sign-in must not stop working because Redis did."""
        for item in self.rules[guard]:
            try:
                allowed = await self.limiter.hit(item, guard.value, key)
                if allowed:
                    continue
                stats = await self.limiter.get_window_stats(item, guard.value, key)
            except StorageError:
                log.error("rate-limit store unreachable: %s not throttled", guard.value)
                return
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            log.warning("throttled %s for key %s (%s)", guard.value, key, item)
            raise Throttled(guard, retry_after)


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
