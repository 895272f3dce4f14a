"""SIGTERM is a drain, not a cut.

While draining this process takes no new call (``call/start`` answers ``draining``),
answers ``/readyz`` and new ``/ws`` upgrades with 503 so the load balancer sends them
elsewhere, lets every command already under way finish, then closes each socket with 1012
(service restart) so its client reconnects at once, to another process or to this one
restarted. Nobody's resume window starts: a socket the drain closes is not a participant
who went away. The whole drain ends within ``HUB_DRAIN_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSCloseCode

from .connection import Connection
from .registry import Registry

log = logging.getLogger("hub.realtime")

SERVICE_RESTART = WSCloseCode.SERVICE_RESTART  # 1012


class Drain:
    def __init__(self, registry: Registry, seconds: float) -> None:
        self.registry = registry
        self.seconds = seconds
        self.draining = False
        self._done: asyncio.Task[None] | None = None

    def begin(self) -> asyncio.Task[None]:
        """Start draining (idempotent); the task ends when every socket has gone."""
        if self._done is None:
            self.draining = True
            log.info("draining: no new calls; closing sockets with 1012")
            self._done = asyncio.create_task(self._drain(), name="drain")
        return self._done

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.seconds
        conns = list(self.registry.connections)
        # Commands already under way finish and answer first (signalling included).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(_loop_time(deadline)):
                await asyncio.gather(*(conn.idle() for conn in conns))
        await asyncio.gather(*(_close(conn, deadline) for conn in conns), return_exceptions=True)
        log.info("drained: %d sockets closed", len(conns))


async def _close(conn: Connection, deadline: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout_at(_loop_time(deadline)):
            await conn.ws.close(code=SERVICE_RESTART, message=b"hub restarting")


def _loop_time(deadline: float) -> float:
    """A time.monotonic() deadline on the event loop's clock."""
    return asyncio.get_running_loop().time() + max(0.0, deadline - time.monotonic())
