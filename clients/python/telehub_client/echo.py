"""The test call: offer to the hub's echo peer, see our own picture and tone come back,
and say in plain English whether a real call would work.

Two round trips are measured: the network's (RTCP receiver reports, as a browser's
``roundTripTime``) and the picture's (each test-pattern frame carries its number; the time
from sending a frame to seeing it come back includes encoding, the jitter buffer and
decoding, which is what a person on the call feels).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.stats import RTCRemoteInboundRtpStreamStats, RTCTransportStats
from av import VideoFrame
from av.frame import Frame

from .connection import HubConnection
from .frames import FrameWaiter, read_frames
from .rtc import configuration
from .tracks import TestPattern, Tone, read_stamp

ECHO_KEY = "echo"
SLOW_ROUND_TRIP_MS = 400.0
LOW_RETURN_RATIO = 0.5  # less than half of what we sent came back: loss or a thin pipe


@dataclass
class EchoReport:
    video_frames: int = 0
    audio_frames: int = 0
    network_round_trip_ms: float | None = None
    picture_round_trip_ms: float | None = None
    received_kbps: float | None = None
    sent_kbps: float | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        if self.ok:
            return (
                "Ready for a call: your picture and sound came back from the hub "
                f"({_ms(self.picture_round_trip_ms)} round trip, "
                f"{_kbps(self.received_kbps)} received)."
            )
        return "Not ready for a video call: " + " ".join(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "video_frames": self.video_frames,
            "audio_frames": self.audio_frames,
            "network_round_trip_ms": self.network_round_trip_ms,
            "picture_round_trip_ms": self.picture_round_trip_ms,
            "received_kbps": self.received_kbps,
            "sent_kbps": self.sent_kbps,
            "seconds": round(self.seconds, 1),
        }


def _ms(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0f} ms"


def _kbps(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0f} kbit/s"


async def echo_check(
    conn: HubConnection,
    *,
    seconds: float = 5.0,
    connect_within: float = 20.0,
    ice_servers: list[dict[str, Any]] | None = None,
) -> EchoReport:
    """Send a test pattern and tone to the hub's echo peer for ``seconds`` once media is
    flowing, and report what came back. Never raises for a media problem: the report says
    what went wrong."""
    report = EchoReport()
    waiter = FrameWaiter()
    video_out = TestPattern()
    picture_trips: list[float] = []

    def on_frame(key: str, frame: Frame) -> None:
        waiter.counted(key, frame)
        if isinstance(frame, VideoFrame):
            stamp = read_stamp(frame)
            sent = video_out.sent_at.get(stamp) if stamp is not None else None
            if sent is not None:
                picture_trips.append((time.monotonic() - sent) * 1000)

    pc = RTCPeerConnection(configuration(ice_servers or []))
    pc.addTrack(video_out)
    pc.addTrack(Tone())
    readers: list[asyncio.Task[None]] = []

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        readers.append(asyncio.create_task(read_frames(ECHO_KEY, track, on_frame)))

    echo_id: str | None = None
    try:
        await pc.setLocalDescription(await pc.createOffer())
        answer = await conn.command("echo/start", sdp=pc.localDescription.sdp)
        echo_id = answer["echo_id"]
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        try:
            await waiter.wait_for_frames(ECHO_KEY, video=1, audio=1, within=connect_within)
        except TimeoutError:
            report.problems.append(_nothing_back(pc.connectionState, waiter, ECHO_KEY))
            return report
        started = time.monotonic()
        picture_trips.clear()  # measure media that is flowing, not the connection's set-up
        at_start = waiter.count(ECHO_KEY)
        video_at_start, audio_at_start = at_start.video, at_start.audio
        sent_before, received_before = await _bytes(pc)
        with contextlib.suppress(TimeoutError):
            await waiter.wait_until(lambda: pc.connectionState in ("failed", "closed"), seconds)
        report.seconds = time.monotonic() - started
        last = waiter.count(ECHO_KEY)
        report.video_frames = last.video
        report.audio_frames = last.audio
        sent_after, received_after = await _bytes(pc)
        if report.seconds > 0:
            report.sent_kbps = (sent_after - sent_before) * 8 / 1000 / report.seconds
            report.received_kbps = (received_after - received_before) * 8 / 1000 / report.seconds
        report.network_round_trip_ms = await _round_trip_ms(pc)
        if picture_trips:
            report.picture_round_trip_ms = statistics.median(picture_trips)
        report.problems.extend(_judge(report, video_at_start, audio_at_start))
        return report
    finally:
        if echo_id is not None:
            with contextlib.suppress(Exception):
                await conn.command("echo/stop", echo_id=echo_id)
        for reader in readers:
            reader.cancel()
        for sender in pc.getSenders():
            if sender.track is not None:
                sender.track.stop()
        await pc.close()


def _nothing_back(state: str, waiter: FrameWaiter, key: str) -> str:
    counts = waiter.count(key)
    if state != "connected":
        return (
            "No media reached the hub: the network may block video calls (UDP). "
            "Try another network or ask IT to allow WebRTC."
        )
    if counts.video == 0:
        return "Sound came back but no picture: check the camera."
    return "The picture came back but no sound: check the microphone."


def _judge(report: EchoReport, video_at_start: int, audio_at_start: int) -> list[str]:
    problems = []
    if report.video_frames <= video_at_start:
        problems.append("The picture stopped coming back: the connection dropped.")
    if report.audio_frames <= audio_at_start:
        problems.append("The sound stopped coming back: the connection dropped.")
    trip = report.picture_round_trip_ms or report.network_round_trip_ms
    if trip is not None and trip > SLOW_ROUND_TRIP_MS:
        problems.append(
            f"The round trip is slow ({trip:.0f} ms): expect delays; move closer to the "
            "Wi-Fi or use a wired connection."
        )
    sent, received = report.sent_kbps, report.received_kbps
    if sent and received is not None and received < LOW_RETURN_RATIO * sent:
        problems.append(
            f"Much of the picture is lost on the way ({received:.0f} of {sent:.0f} kbit/s "
            "came back): video may blur or freeze; sound should still work."
        )
    return problems


async def _bytes(pc: RTCPeerConnection) -> tuple[int, int]:
    """Bytes sent and received so far on the (bundled) transport."""
    stats = [s for s in (await pc.getStats()).values() if isinstance(s, RTCTransportStats)]
    return max((s.bytesSent for s in stats), default=0), max(
        (s.bytesReceived for s in stats), default=0
    )


async def _round_trip_ms(pc: RTCPeerConnection) -> float | None:
    stats = await pc.getStats()
    trips = [
        s.roundTripTime
        for s in stats.values()
        if isinstance(s, RTCRemoteInboundRtpStreamStats) and s.roundTripTime is not None
    ]
    return statistics.median(trips) * 1000 if trips else None
