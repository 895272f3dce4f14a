"""Decoded frames from remote tracks: read them, count them per participant, wait for them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame
from av.frame import Frame

OnFrame = Callable[[str, Frame], None]


async def read_frames(key: str, track: MediaStreamTrack, on_frame: OnFrame) -> None:
    """Read a remote track until it ends, handing each decoded frame to ``on_frame``."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if isinstance(frame, Frame):
            on_frame(key, frame)


@dataclass
class FrameCounts:
    video: int = 0
    audio: int = 0
    last_at: float = field(default=0.0)


class FrameWaiter:
    """Decoded-frame counters per remote key, and a way to wait for them to grow."""

    def __init__(self) -> None:
        self.frames: dict[str, FrameCounts] = {}
        self._progress = asyncio.Event()

    def counted(self, key: str, frame: Frame) -> None:
        counts = self.frames.setdefault(key, FrameCounts())
        if isinstance(frame, VideoFrame):
            counts.video += 1
        else:
            counts.audio += 1
        counts.last_at = time.monotonic()
        self._progress.set()

    def poke(self) -> None:
        self._progress.set()

    async def wait_until(self, condition: Callable[[], bool], within: float) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self._progress.clear()
                await self._progress.wait()

    async def wait_for_frames(
        self, key: str, *, video: int = 1, audio: int = 1, within: float = 60.0
    ) -> FrameCounts:
        """Wait until ``video`` and ``audio`` decoded frames have come from ``key``."""

        def enough() -> bool:
            counts = self.frames.get(key)
            return counts is not None and counts.video >= video and counts.audio >= audio

        await self.wait_until(enough, within)
        return self.frames[key]

    def count(self, key: str) -> FrameCounts:
        return self.frames.get(key, FrameCounts())


# -- one remote participant ---------------------------------------------------------------
