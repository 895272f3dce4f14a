"""Admission to the auth phase: a herd of returning clients is bounded, not taken all at once.

After a restart every tablet comes back within a second or so. Left alone, the hub upgrades
every socket at once and interleaves their registrations (a throttle check, a credential
lookup, a participant update, each behind everyone else's): none finishes until nearly all
have, and at a few hundred a second the last ones wait on the database pool long enough to
fail (its 30 s check-out timeout) and start again. With ``HUB_WS_AUTH_BACKLOG`` sockets
already in the auth phase (upgraded, not yet answered), a new upgrade is refused before any
work, with 503 and ``Retry-After``, which the clients honour (jittered) before trying again.

Measured (docs/performance.md, 2026-12-03): refusing beyond 500 made 2,000 tablets returning
at once slower, not faster (the refused cost the hub and the clients a request each and come
back later), so the default, 5,000, is a guard for larger herds. A limit on how many
registrations do their work at once (a semaphore after the auth frame) was tried too and
left out: at 8, 32 and 64 at once it was no faster for 500 tablets than no limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

RETRY_AFTER_SECONDS = 1  # what a refused client is told; it waits 0.5 to 1.5 times that


class Admission:
    def __init__(self, *, backlog: int) -> None:
        self._backlog = backlog
        self.in_auth = 0  # sockets upgraded and not yet answered (auth_ok or refused)

    @property
    def full(self) -> bool:
        """Whether a new upgrade should be refused (503, try again shortly)."""
        return self.in_auth >= self._backlog

    @asynccontextmanager
    async def auth_phase(self) -> AsyncIterator[None]:
        """Around one socket's auth phase, from its upgrade to its answer."""
        self.in_auth += 1
        try:
            yield
        finally:
            self.in_auth -= 1
