"""Catching up from the database after a missed doorbell, off the listener and coalesced.

A gap seen while a catch-up is already running asks for one more run after it, not one
per gap: a burst of gaps from several processes costs at most two catch-ups, and the
listener goes on delivering meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .base import OnGap

log = logging.getLogger("hub.broker")


class CatchUp:
    def __init__(self, on_gap: OnGap) -> None:
        self._on_gap = on_gap
        self._again = False
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    def wanted(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run(), name="broker catch-up")

    async def _run(self) -> None:
        while True:
            self._again = False
            self.runs += 1
            try:
                await self._on_gap()
            except Exception:
                log.exception("catch-up from the database failed")
            if not self._again:
                return

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
