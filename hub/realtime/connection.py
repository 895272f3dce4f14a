"""One authenticated websocket: frames written at once, or from a bounded backlog."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, web

from hub.auth.principal import Principal

from .framing import text_frame

log = logging.getLogger("hub.realtime")
_serials = itertools.count()

HIGH_WATER = 2000  # frames queued for one client before we cut it off
# Written straight from the sender's task only up to this size: into an empty socket buffer
# (64 KiB before asyncio pauses writing) a frame this small can never make the send wait.
DIRECT_FRAME_CHARS = 8 * 1024


class Watermark:
    """The highest sequence number below which everything has been sent.

    Messages are published in commit order only per writer, so seq 158 may be sent before
    157; the watermark stays at 156 until 157 has gone too. Catching up after a missed
    doorbell replays from the watermark, so nothing in a gap is skipped.
    """

    def __init__(self, start: int = 0) -> None:
        self.contiguous = start
        self._above: set[int] = set()

    def add(self, seq: int) -> None:
        if seq <= self.contiguous:
            return
        self._above.add(seq)
        while self.contiguous + 1 in self._above:
            self.contiguous += 1
            self._above.discard(self.contiguous)


@dataclass
class Replay:
    """A thread subscription that is replaying from the database: live frames wait here."""

    held: list[tuple[int, str]] = field(default_factory=list)


class Connection:
    """Frames go out in the order they are given, by one of two routes.

    ``write`` puts a frame on the socket at once, from the caller's task, when nothing is
    waiting and the socket's buffer is empty (a small frame then cannot block), which saves
    a task switch and aiohttp's coroutines per frame on the signalling path. Otherwise, and
    always for ``send``, the frame joins a bounded backlog that a writer task drains; that
    task exists only while there is a backlog, so a slow client never holds up whoever is
    sending to it.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        principal: Principal,
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.ws = ws
        self.principal = principal
        self.key = principal.key
        self.role = principal.role
        self.is_device = principal.is_device
        self.last_id = 0
        self.subscriptions: dict[str, int] = {}  # topic -> the subscribing command's id
        self.replays: dict[str, Replay] = {}
        self.delivered: dict[str, Watermark] = {}  # thread topic -> what has been sent
        self.heard = True  # any frame from the client since its last heartbeat ping
        self.failures = 0  # commands that failed on a fault of the hub's (logged once)
        self.serial = next(_serials)  # spreads the heartbeat's pings over its interval
        self._transport = transport if isinstance(transport, asyncio.WriteTransport) else None
        self._backlog: deque[str] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self.busy = 0  # commands received and not yet answered
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._lane: deque[Coroutine[Any, Any, None]] = deque()
        self._lane_task: asyncio.Task[None] | None = None

    # -- commands under way ----------------------------------------------------------------
    def begin(self) -> None:
        self.busy += 1

    def end(self) -> None:
        self.busy -= 1
        if not self.busy and self._idle_waiters:
            for waiter in self._idle_waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self._idle_waiters.clear()

    async def idle(self) -> None:
        """Until every command received so far has been answered (a drain waits for it)."""
        if self.busy:
            waiter = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            await waiter

    def in_lane(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the lane's earlier work, off the socket's read loop: message
        writes keep their order among themselves while signalling goes ahead of them."""
        self.begin()
        self._lane.append(work)
        if self._lane_task is None:
            self._lane_task = asyncio.create_task(self._run_lane(), name=f"lane {self.key}")

    async def _run_lane(self) -> None:
        try:
            while self._lane:
                work = self._lane.popleft()
                try:
                    await work
                finally:
                    self.end()
        finally:
            self._lane_task = None

    def send(self, frame: str) -> None:
        """Queue a frame behind any others; the writer task sends it."""
        if self.closed:
            return
        if len(self._backlog) >= HIGH_WATER:
            log.warning("cutting off %s: %d frames unsent", self.key, HIGH_WATER)
            self.closed = True
            self._backlog.clear()
            asyncio.create_task(
                self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
            )
            return
        self._backlog.append(frame)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(), name=f"writer {self.key}")

    def write(self, frame: str) -> None:
        """Put a frame on the socket now if that cannot block; otherwise queue it."""
        if self.closed:
            return
        transport = self._open_transport()
        if (
            self._writer is None
            and transport is not None
            and len(frame) <= DIRECT_FRAME_CHARS
            and transport.get_write_buffer_size() == 0
        ):
            transport.write(text_frame(frame))
        else:
            self.send(frame)

    def control(self, frame: bytes) -> None:
        """A ping or pong: whole frames are never interleaved, so it need not wait its turn."""
        transport = self._open_transport()
        if not self.closed and transport is not None:
            transport.write(frame)

    def _open_transport(self) -> asyncio.WriteTransport | None:
        """The transport, while frames may still go on it: not after aiohttp's close frame."""
        transport = self._transport
        if transport is None or self.ws.closed or transport.is_closing():
            return None
        return transport

    def close_with(self, code: int, reason: str) -> None:
        """Close the socket with a code and a reason the client shows; send nothing more."""
        if self.closed and self.ws.closed:
            return
        self.closed = True
        self._backlog.clear()
        asyncio.create_task(self.ws.close(code=code, message=reason.encode()))

    def abort(self) -> None:
        """Drop the connection at once (the client has stopped answering)."""
        self.closed = True
        self._backlog.clear()
        if self._transport is not None:
            self._transport.abort()

    async def _drain(self) -> None:
        try:
            while self._backlog:
                frame = self._backlog.popleft()
                try:
                    await self.ws.send_str(frame)
                except (ConnectionResetError, RuntimeError):
                    self.closed = True
                    self._backlog.clear()
        finally:
            self._writer = None

    async def stop(self) -> None:
        """No more frames; give the backlog a moment to go out."""
        self.closed = True
        writer = self._writer
        if writer is not None:
            try:
                await asyncio.wait_for(writer, 2)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
