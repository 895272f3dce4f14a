"""One authenticated websocket: a bounded send queue drained by a single writer task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from hub.auth.principal import Principal

log = logging.getLogger("hub.realtime")

HIGH_WATER = 2000  # frames queued for one client before we cut it off


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
    def __init__(self, ws: web.WebSocketResponse, principal: Principal) -> None:
        self.ws = ws
        self.principal = principal
        self.key = participant_key(principal)
        self.last_id = 0
        self.subscriptions: dict[str, int] = {}  # topic -> the subscribing command's id
        self.replays: dict[str, Replay] = {}
        self.delivered: dict[str, Watermark] = {}  # thread topic -> what has been sent
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=HIGH_WATER)
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        self._writer = asyncio.create_task(self._drain(), name=f"writer {self.key}")

    def send(self, frame: str) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("cutting off %s: %d frames unsent", self.key, HIGH_WATER)
            self.closed = True
            asyncio.create_task(
                self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
            )

    async def _drain(self) -> None:
        while True:
            frame = await self._queue.get()
            if frame is None:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionResetError, RuntimeError):
                self.closed = True
                return

    async def stop(self) -> None:
        self.closed = True
        if self._writer is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)
            try:
                await asyncio.wait_for(self._writer, 2)
            except (TimeoutError, asyncio.CancelledError):
                self._writer.cancel()


def participant_key(principal: Principal) -> str:
    scope = principal.scope
    if scope.device_id is not None:
        return f"device:{scope.device_id}"
    return f"user:{scope.user_id}"
