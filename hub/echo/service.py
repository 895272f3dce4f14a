"""The hub's echo peer: a device (or member of staff) checks its camera, microphone and
network before a real call. The hub answers its offer with an aiortc peer connection that
sends every received frame straight back.

This is the one place media touches the hub, so it is capped: a few test calls at once
(``HUB_ECHO_MAX_CONCURRENT``), one per participant, each closed after two minutes.
The echo peer uses host candidates only (no STUN or TURN): it runs on the hub, which the
caller can already reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription
from av.frame import Frame

from hub.errors import InvalidInput, NotFound, RateLimited

log = logging.getLogger("hub.echo")

LIFETIME_SECONDS = 120.0


class EchoTrack(MediaStreamTrack):
    """Returns each frame received on ``source``, as it arrives."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source

    async def recv(self) -> Frame:
        frame = await self.source.recv()
        if not isinstance(frame, Frame):
            raise MediaStreamError
        return frame


def _check_offer(sdp: str) -> None:
    """Refuse a garbled offer before it takes a place (aiortc raises several kinds)."""
    try:
        media = SessionDescription.parse(sdp).media
    except Exception:
        media = []
    if not any(m.kind in ("audio", "video") for m in media):
        raise InvalidInput("That is not an offer with audio or video", field="sdp")


@dataclass
class EchoCall:
    echo_id: str
    owner: str  # participant key
    pc: RTCPeerConnection
    expiry: asyncio.TimerHandle | None = field(default=None)


class EchoService:
    def __init__(self, max_concurrent: int, lifetime_seconds: float = LIFETIME_SECONDS) -> None:
        self.max_concurrent = max_concurrent
        self.lifetime_seconds = lifetime_seconds
        self.calls: dict[str, EchoCall] = {}
        self._starting = 0
        self._closing: set[asyncio.Task[None]] = set()

    async def start(self, owner: str, offer_sdp: str) -> tuple[str, str]:
        """Answer ``owner``'s offer; returns ``(echo_id, answer_sdp)``."""
        _check_offer(offer_sdp)
        for old in [c for c in self.calls.values() if c.owner == owner]:
            await self.stop(old.echo_id, owner)  # a retried check replaces the last one
        if len(self.calls) + self._starting >= self.max_concurrent:
            raise RateLimited("test calls busy, try again in a minute")
        self._starting += 1
        try:
            echo = EchoCall(
                uuid.uuid4().hex, owner, RTCPeerConnection(RTCConfiguration(iceServers=[]))
            )
            try:
                answer = await self._answer(echo.pc, offer_sdp)
            except Exception:
                await echo.pc.close()
                raise
        finally:
            self._starting -= 1
        self.calls[echo.echo_id] = echo
        loop = asyncio.get_running_loop()
        echo.expiry = loop.call_later(self.lifetime_seconds, self._expire, echo.echo_id)

        @echo.pc.on("connectionstatechange")
        def on_state() -> None:
            if echo.pc.connectionState in ("failed", "closed"):
                self._expire(echo.echo_id)

        log.info("echo %s started for %s", echo.echo_id, owner)
        return echo.echo_id, answer

    async def _answer(self, pc: RTCPeerConnection, offer_sdp: str) -> str:
        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            pc.addTrack(EchoTrack(track))

        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc's parser raises several kinds for a bad SDP
            log.info("echo offer refused: %r", exc)
            raise InvalidInput("That offer cannot be used", field="sdp") from None
        await pc.setLocalDescription(await pc.createAnswer())  # gathers host candidates
        return str(pc.localDescription.sdp)

    async def stop(self, echo_id: str, owner: str) -> None:
        echo = self.calls.get(echo_id)
        if echo is None or echo.owner != owner:
            raise NotFound("No such test call")
        await self._close(echo_id)

    def _expire(self, echo_id: str) -> None:
        if echo_id in self.calls:
            task = asyncio.ensure_future(self._close(echo_id))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _close(self, echo_id: str) -> None:
        echo = self.calls.pop(echo_id, None)
        if echo is None:
            return
        if echo.expiry is not None:
            echo.expiry.cancel()
        for sender in echo.pc.getSenders():
            if sender.track is not None:
                sender.track.stop()
        with contextlib.suppress(Exception):
            await echo.pc.close()
        log.info("echo %s closed", echo_id)

    async def close(self) -> None:
        """Hang up every test call (the hub is stopping)."""
        for echo_id in list(self.calls):
            await self._close(echo_id)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
