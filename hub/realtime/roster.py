"""Who is in which call, cached briefly for the signalling hot path.

Signalling is relayed only between a call's joined participants. Checking that against the
database for every ICE candidate would make the database the bottleneck, so the answer is
cached per call and dropped whenever this process sees a change to the call: every change
is published to all the call's participants, so the process holding a participant's
socket (the only one that relays for it) always hears of it.
"""

from __future__ import annotations

import time

from hub.clock import Clock
from hub.storage.engine import Database
from hub.storage.repos.calls import ParticipantRepo

TTL_SECONDS = 30.0  # a safety net: every call change seen here drops the entry


class Roster:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def joined(self, call_id: str) -> frozenset[str]:
        hit = self._cache.get(call_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < TTL_SECONDS:
            return hit[1]
        async with self.db.session() as s:
            rows = await ParticipantRepo(s, self.clock).of_call(call_id=call_id)
        keys = frozenset(p.key for p in rows if p.joined_at is not None)
        self._cache[call_id] = (now, keys)
        if len(self._cache) > 10_000:
            self._cache.clear()
        return keys

    def forget(self, call_id: str) -> None:
        self._cache.pop(call_id, None)
