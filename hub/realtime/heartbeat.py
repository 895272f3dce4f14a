"""The heartbeat: one timer for every socket on this process, not one per socket.

Every socket is pinged once per interval. One that has sent nothing at all since its
previous ping (no command, no pong) is dropped, so a client that has gone silently away
is gone from its call within two intervals. aiohttp's own heartbeat would do the same with
a timer re-armed on every frame received, which on the signalling path cost more than the
rest of reading the frame.

The sockets are pinged a slice at a time, spread over the interval: pinging 5,000 sockets
at once, and reading their 5,000 pongs, would stall everything else for a noticeable
fraction of a second.
"""

from __future__ import annotations

import asyncio
import logging

from .framing import ping_frame
from .registry import Registry

log = logging.getLogger("hub.realtime")

SLICES = 20  # each tick serves one slice of the sockets: interval / SLICES apart


class Heartbeat:
    def __init__(self, registry: Registry, slices: int = SLICES) -> None:
        self.registry = registry
        self.slices = slices
        self._ping = ping_frame()
        self._turn = 0

    def tick(self) -> int:
        """Serve the next slice: ping each socket in it, drop any that did not answer its
        previous ping. Returns how many were dropped."""
        turn, slices = self._turn, self.slices
        self._turn = (turn + 1) % slices
        dropped = 0
        for conn in list(self.registry.connections):
            if conn.serial % slices != turn:
                continue
            if conn.heard:
                conn.heard = False
                conn.control(self._ping)
            elif not conn.closed:
                log.info("no heartbeat from %s: dropping the socket", conn.key)
                conn.abort()
                dropped += 1
        return dropped


async def beat_forever(registry: Registry, interval: float) -> None:
    heartbeat = Heartbeat(registry)
    while True:
        await asyncio.sleep(interval / heartbeat.slices)
        heartbeat.tick()
