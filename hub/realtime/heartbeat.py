"""The heartbeat: one timer for every socket on this process, not one per socket.

Each beat pings every connection; a connection that has sent nothing at all since the
previous beat (no command, no pong to that beat's ping) is dropped, so a client that has
gone silently away is gone from its call within two intervals. aiohttp's own heartbeat
would do the same with a timer re-armed on every frame received, which on the signalling
path costs more than the rest of reading the frame.
"""

from __future__ import annotations

import asyncio
import logging

from .framing import ping_frame
from .registry import Registry

log = logging.getLogger("hub.realtime")


def beat(registry: Registry) -> int:
    """Ping everyone; drop whoever did not answer the last ping. Returns how many dropped."""
    ping = ping_frame()
    dropped = 0
    for conn in list(registry.connections):
        if conn.heard:
            conn.heard = False
            conn.control(ping)
        elif not conn.closed:
            log.info("no heartbeat from %s: dropping the socket", conn.key)
            conn.abort()
            dropped += 1
    return dropped


async def beat_forever(registry: Registry, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        beat(registry)
