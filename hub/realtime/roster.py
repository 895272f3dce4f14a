"""Who is in which call, cached briefly for the signalling hot path.

Signalling is relayed only between a call's joined participants. Checking that against the
database for every ICE candidate would make the database the bottleneck, so the answer is
cached per call and dropped whenever this process sees a change to the call: every change
is published to all the call's participants, so the process holding a participant's
socket (the only one that relays for it) always hears of it.
"""

from __future__ import annotations

import asyncio
import random
import time

from hub.clock import Clock
from hub.storage.engine import Database
from hub.storage.repos.calls import ParticipantRepo

# A safety net only (every call change seen here drops the entry at once). Each entry lives
# for a spread-out time, so a busy hub's entries never all run out in the same moment and
# send every live call's next ICE candidate to the database together.
TTL_SECONDS = 300.0
TTL_SPREAD = 0.2  # each entry lives TTL_SECONDS × (1 ± TTL_SPREAD)
MAX_ENTRIES = 10_000


class Roster:
    def __init__(self, db: Database, clock: Clock, *, ttl_seconds: float = TTL_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}  # call -> (expires, keys)
        self._loading: dict[str, asyncio.Task[frozenset[str]]] = {}

    def cached(self, call_id: str) -> frozenset[str] | None:
        """The call's joined participant keys if this process holds them fresh; else None."""
        hit = self._cache.get(call_id)
        if hit is not None and time.monotonic() < hit[0]:
            return hit[1]
        return None

    async def joined(self, call_id: str) -> frozenset[str]:
        """The participant keys joined to the call. Concurrent misses for one call share a
        single query."""
        hit = self.cached(call_id)
        if hit is not None:
            return hit
        loading = self._loading.get(call_id)
        if loading is None:
            loading = asyncio.create_task(self._load(call_id), name=f"roster {call_id}")
            self._loading[call_id] = loading
        return await asyncio.shield(loading)

    async def _load(self, call_id: str) -> frozenset[str]:
        me = asyncio.current_task()
        try:
            # A read: it need not queue behind SQLite's one writer at a time.
            async with self.db.read() as s:
                rows = await ParticipantRepo(s, self.clock).of_call(call_id=call_id)
            keys = frozenset(p.key for p in rows if p.joined_at is not None)
            if self._loading.get(call_id) is me:  # not forgotten while we read: keep it
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache.clear()
                spread = random.uniform(1 - TTL_SPREAD, 1 + TTL_SPREAD)
                self._cache[call_id] = (time.monotonic() + self.ttl_seconds * spread, keys)
            return keys
        finally:
            if self._loading.get(call_id) is me:
                del self._loading[call_id]

    def forget(self, call_id: str) -> None:
        """The call changed: the next lookup reads it again (a read already under way is
        used by whoever waits for it, but not kept)."""
        self._cache.pop(call_id, None)
        self._loading.pop(call_id, None)

    def clear(self) -> None:
        """Some call changes may have been missed (a broker gap): read every call afresh."""
        self._cache.clear()
        self._loading.clear()
