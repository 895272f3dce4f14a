"""Synthetic media for a headless device: a moving test pattern and a tone.

Each video frame carries its own number as a row of black and white blocks across the
top, so a frame that comes back from the hub's echo peer can be matched to the moment it
was sent (``read_stamp``). Blocks survive VP8 compression; single pixels would not.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import struct
import time

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame

VIDEO_CLOCK_RATE = 90_000
AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020
STAMP_BITS = 16  # bit 15 is always 1 and bit 0 always 0: a frame with no stamp reads badly
STAMP_ROWS = 24
BLACK, WHITE, GREY = 16, 235, 96


class _Pacer:
    """Paces a source in real time from its first frame, as a camera would."""

    def __init__(self, rate: int, step: int) -> None:
        self.rate, self.step = rate, step
        self.timestamp = -step
        self.start = 0.0

    async def next(self) -> int:
        self.timestamp += self.step
        if self.timestamp == 0:
            self.start = time.monotonic()
        else:
            wait = self.start + self.timestamp / self.rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        return self.timestamp


class TestPattern(MediaStreamTrack):
    """A grey picture with a bright bar sweeping across it and the frame number on top."""

    kind = "video"
    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, width: int = 320, height: int = 240, fps: int = 15) -> None:
        super().__init__()
        if width % (STAMP_BITS * 2) or height % 2 or height <= STAMP_ROWS:
            raise ValueError("width must be a multiple of 32, height even and over 24")
        self.width, self.height = width, height
        self._pacer = _Pacer(VIDEO_CLOCK_RATE, VIDEO_CLOCK_RATE // fps)
        self.frames = 0
        self.sent_at: dict[int, float] = {}  # stamp -> monotonic time it was sent

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        pts = await self._pacer.next()
        number = self.frames
        self.frames += 1
        stamp = stamp_of(number)
        frame = VideoFrame(self.width, self.height, "yuv420p")
        frame.planes[0].update(self._luma(number, stamp, frame.planes[0].line_size))
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        self.sent_at[stamp] = time.monotonic()
        if len(self.sent_at) > 4 * 2**10:
            for old in list(self.sent_at)[: 2**10]:
                del self.sent_at[old]
        return frame

    def _luma(self, number: int, stamp: int, stride: int) -> bytes:
        width, pad = self.width, bytes(stride - self.width)
        block = width // STAMP_BITS
        top = b"".join(
            bytes([WHITE if stamp >> (STAMP_BITS - 1 - i) & 1 else BLACK]) * block
            for i in range(STAMP_BITS)
        )
        bar_width = width // 10
        x = (number * 4) % (width - bar_width)
        body = (
            bytes([GREY]) * x + bytes([WHITE]) * bar_width + bytes([GREY]) * (width - x - bar_width)
        )
        return (top + pad) * STAMP_ROWS + (body + pad) * (self.height - STAMP_ROWS)


def stamp_of(number: int) -> int:
    return 0x8000 | ((number % 0x4000) << 1)


def read_stamp(frame: VideoFrame) -> int | None:
    """The stamp a ``TestPattern`` frame carries, or None if it carries none."""
    if frame.format.name != "yuv420p" or frame.width % STAMP_BITS or frame.height <= STAMP_ROWS:
        return None
    plane = frame.planes[0]
    luma = memoryview(plane)
    row = (STAMP_ROWS // 2) * plane.line_size
    block = frame.width // STAMP_BITS
    stamp = 0
    for i in range(STAMP_BITS):
        value = luma[row + i * block + block // 2]
        stamp = stamp << 1 | (1 if value > 128 else 0)
    if stamp & 0x8001 != 0x8000:
        return None
    return stamp


class Tone(MediaStreamTrack):
    """A steady sine tone (440 Hz by default), 48 kHz mono, in 20 ms frames."""

    kind = "audio"

    def __init__(self, hertz: int = 440, level: float = 0.2) -> None:
        super().__init__()
        samples = int(AUDIO_PTIME * AUDIO_RATE)
        self._samples = samples
        self._pacer = _Pacer(AUDIO_RATE, samples)
        # one second holds a whole number of cycles of an integer frequency, so it loops
        amplitude = int(32767 * level)
        second = [
            int(amplitude * math.sin(2 * math.pi * hertz * n / AUDIO_RATE))
            for n in range(AUDIO_RATE)
        ]
        self._second = struct.pack(f"<{AUDIO_RATE}h", *second) * 2

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        pts = await self._pacer.next()
        start = 2 * (pts % AUDIO_RATE)
        frame = AudioFrame(format="s16", layout="mono", samples=self._samples)
        frame.planes[0].update(self._second[start : start + 2 * self._samples])
        frame.pts = pts
        frame.sample_rate = AUDIO_RATE
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame
