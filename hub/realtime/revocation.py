"""Closing the sockets of a principal or session whose access has ended, on every process.

Identity publishes each revocation on the broker's revocations topic after writing it to
the database; every process (the publisher included) closes the matching sockets it holds.
Sessions also end by themselves: ``expire`` closes the sockets of sessions whose time is
up, soonest first from a heap, so a tick costs nothing while none is due.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from datetime import datetime, timedelta

from hub.auth.revocation import session_expired
from hub.auth.service import IdentityService
from hub.broker import topics
from hub.broker.base import Broker
from hub.clock import Clock
from schemas.broker import REVOCATION, Envelope, Revocation

from .connection import Connection
from .registry import Registry

log = logging.getLogger("hub.realtime")

EXPIRY_TICK_SECONDS = 0.25  # a session's sockets close within this of its expiry
# A socket authenticated just before a revocation was delivered, and registered just after,
# would slip past it: new sockets are checked against the revocations of this long ago.
RECENT_SECONDS = 30.0
KEEP_ALIVE_EVERY = timedelta(minutes=1)
# Revocations that reached no broker (made from the command line, which runs no broker) or
# whose doorbell was missed are found in the database this often at the latest.
RECHECK_SECONDS = 30.0


class Revoker:
    def __init__(self, registry: Registry, broker: Broker, clock: Clock) -> None:
        self.registry = registry
        self.broker = broker
        self.clock = clock
        self._expiries: list[tuple[datetime, int, Connection]] = []
        self._recent: deque[tuple[float, Revocation]] = deque()
        self.kept_alive = asyncio.Event()  # set after each keep-alive write (for tests)

    async def revoke(self, revocation: Revocation) -> None:
        """Tell every hub process (this one too, through the broker)."""
        await self.broker.publish(topics.REVOCATIONS, REVOCATION.dump_json(revocation).decode())

    def deliver(self, envelope: Envelope) -> None:
        self.close_matching(REVOCATION.validate_json(envelope.body))

    def close_matching(self, revocation: Revocation) -> int:
        """Close this process's sockets that the revocation names; returns how many."""
        now = asyncio.get_running_loop().time()
        recent = self._recent
        recent.append((now, revocation))
        while recent and recent[0][0] < now - RECENT_SECONDS:
            recent.popleft()
        closed = 0
        key = revocation.participant_key
        for conn in self.registry.of(key) if key else list(self.registry.connections):
            if _names(revocation, conn):
                conn.close_with(revocation.code, revocation.reason)
                closed += 1
        if closed:
            log.info("closed %d socket(s): access ended (code %d)", closed, revocation.code)
        return closed

    def open_sessions(self) -> set[str]:
        """The sessions this process has open sockets from."""
        return {
            hashed
            for conn in self.registry.connections
            if not conn.closed and (hashed := conn.principal.session_token_hash) is not None
        }

    async def recheck(self, identity: IdentityService) -> int:
        """After a missed doorbell: close the sockets whose access the database says has
        ended, in case the revocation's own doorbell was among those missed."""
        principals = [conn.principal for conn in self.registry.connections if not conn.closed]
        if not principals:
            return 0
        return sum(self.close_matching(r) for r in await identity.ended(principals))

    def watch(self, conn: Connection) -> None:
        """Close this new socket if a revocation that names it has just gone by, and when
        its session expires."""
        for _, revocation in self._recent:
            if _names(revocation, conn):
                conn.close_with(revocation.code, revocation.reason)
                return
        expires = conn.principal.session_expires_at
        if expires is not None:
            heapq.heappush(self._expiries, (expires, conn.serial, conn))

    def expire(self) -> int:
        """Close the sockets whose sessions have expired by now; returns how many."""
        now, closed = self.clock.now(), 0
        heap = self._expiries
        while heap and heap[0][0] <= now:
            _, _, conn = heapq.heappop(heap)
            hashed = conn.principal.session_token_hash
            if conn.closed or hashed is None:
                continue
            ended = session_expired(hashed)
            conn.close_with(ended.code, ended.reason)
            closed += 1
        return closed


def _names(revocation: Revocation, conn: Connection) -> bool:
    if revocation.participant_key is not None:
        return conn.key == revocation.participant_key
    hashed = revocation.session_token_hash
    return hashed is not None and conn.principal.session_token_hash == hashed


async def expire_forever(revoker: Revoker, identity: IdentityService) -> None:
    """Close expired sessions' sockets as they expire; every ``RECHECK_SECONDS`` close any
    whose access the database says has ended; and once a minute (by the hub's clock) mark
    the sessions with open sockets as in use, so a console or tablet page waiting for
    calls is not signed out by the idle timeout while it is open."""
    kept_alive: datetime | None = None
    loop = asyncio.get_running_loop()
    rechecked = loop.time()
    while True:
        await asyncio.sleep(EXPIRY_TICK_SECONDS)
        try:
            revoker.expire()
            if loop.time() - rechecked >= RECHECK_SECONDS:
                rechecked = loop.time()
                await revoker.recheck(identity)
            now = revoker.clock.now()
            if kept_alive is None or now - kept_alive >= KEEP_ALIVE_EVERY:
                kept_alive = now
                await identity.keep_alive(revoker.open_sessions())
                revoker.kept_alive.set()
        except Exception:
            log.exception("session upkeep failed; trying again")
