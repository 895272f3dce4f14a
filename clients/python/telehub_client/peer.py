"""The peer connection to one other participant of a call (see media.py for the rules of
who offers, glare, restarts and failure)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from aiortc import (
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack

from .frames import read_frames
from .rtc import configuration, fingerprint, parse_candidate
from .tracks import TestPattern, Tone

if TYPE_CHECKING:
    from .media import CallMedia

log = logging.getLogger("telehub_client.media")

Job = tuple[str, dict[str, Any] | None]


class Peer:
    """The peer connection to one other participant. Every change to it runs in order on
    one worker task, so an incoming offer never interleaves with one we are making."""

    def __init__(self, media: CallMedia, key: str, *, offer_first: bool) -> None:
        self.media, self.key = media, key
        self.polite = media.self_key > key
        self.pc: RTCPeerConnection | None = None
        self.offered_at: float | None = None
        self.early_candidates: list[dict[str, Any]] = []
        self.jobs: asyncio.Queue[Job] = asyncio.Queue()
        self.fallback: asyncio.TimerHandle | None = None
        self.worker = asyncio.create_task(self._work(), name=f"media peer {key}")
        self.readers: set[asyncio.Task[None]] = set()
        if offer_first:
            self.jobs.put_nowait(("offer", None))
        else:
            self.wait_for_offer()

    # scheduling
    def wait_for_offer(self, seconds: float | None = None) -> None:
        """Offer ourselves in ``seconds`` (default: the fallback) unless by then the
        connection is negotiated or an offer of ours is still fresh."""
        self._cancel_fallback()
        loop = asyncio.get_running_loop()
        delay = self.media.fallback_seconds if seconds is None else seconds
        self.fallback = loop.call_later(delay, self.jobs.put_nowait, ("fallback", None))

    def _cancel_fallback(self) -> None:
        if self.fallback is not None:
            self.fallback.cancel()
            self.fallback = None

    @property
    def negotiated(self) -> bool:
        pc = self.pc
        return (
            pc is not None
            and pc.remoteDescription is not None
            and pc.signalingState == "stable"
            and pc.connectionState not in ("failed", "closed")
        )

    @property
    def offer_is_fresh(self) -> bool:
        return (
            self.offered_at is not None
            and time.monotonic() - self.offered_at < self.media.offer_timeout_seconds
        )

    async def _work(self) -> None:
        while True:
            kind, body = await self.jobs.get()
            try:
                if kind == "offer" or (kind == "fallback" and not self.negotiated):
                    if kind == "fallback" and self.offer_is_fresh:
                        self.wait_for_offer()
                    else:
                        await self._offer()
                elif kind == "failed":
                    await self._failed()
                elif body is not None:
                    await self._signal(body)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("media with %s: %s failed", self.key, kind)

    # the peer connection
    async def _fresh_pc(self) -> RTCPeerConnection:
        await self._close_pc()
        pc = RTCPeerConnection(configuration(self.media.ice_servers))
        self.pc = pc
        self.early_candidates = []
        width, height = self.media.video_size
        pc.addTrack(TestPattern(width, height, self.media.fps))
        pc.addTrack(Tone())

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            reader = asyncio.create_task(read_frames(self.key, track, self.media.on_frame))
            self.readers.add(reader)
            reader.add_done_callback(self.readers.discard)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc is self.pc:
                log.info("media with %s: %s", self.key, pc.connectionState)
                self.media.waiter.poke()
                if pc.connectionState == "failed":
                    self.jobs.put_nowait(("failed", None))

        return pc

    async def _close_pc(self) -> None:
        pc, self.pc = self.pc, None
        self.offered_at = None
        for reader in list(self.readers):
            reader.cancel()
        if pc is not None:
            for sender in pc.getSenders():
                if sender.track is not None:
                    sender.track.stop()
            with contextlib.suppress(Exception):
                await pc.close()

    async def _offer(self) -> None:
        self._cancel_fallback()
        pc = await self._fresh_pc()
        await pc.setLocalDescription(await pc.createOffer())  # gathers host candidates
        self.offered_at = time.monotonic()
        if await self.media.send("signal/offer", self.key, sdp=pc.localDescription.sdp):
            self.wait_for_offer(self.media.offer_timeout_seconds)  # in case it is lost
        else:
            self.wait_for_offer()  # the hub is away: try again in a while

    async def _failed(self) -> None:
        if self.pc is None or self.pc.connectionState != "failed":
            return
        await self._close_pc()
        if self.polite:
            self.wait_for_offer()
        else:
            await self._offer()

    async def _signal(self, signal: dict[str, Any]) -> None:
        kind = signal.get("kind")
        if kind == "offer":
            await self._on_offer(str(signal["sdp"]))
        elif kind == "answer":
            pc = self.pc
            if pc is None or pc.signalingState != "have-local-offer":
                log.info("media with %s: an answer nobody asked for; ignored", self.key)
                return
            await pc.setRemoteDescription(RTCSessionDescription(str(signal["sdp"]), "answer"))
            self.offered_at = None
            self._cancel_fallback()
            await self._add_early_candidates()
        elif kind == "candidate":
            await self._on_candidate(dict(signal.get("candidate") or {}))
        elif kind == "hangup":
            self.media.spawn(self.media.forget(self.key))  # not from inside this worker

    async def _on_offer(self, sdp: str) -> None:
        self._cancel_fallback()
        pc = self.pc
        colliding = pc is not None and pc.signalingState == "have-local-offer"
        if colliding and not self.polite and self.offer_is_fresh:
            log.info("media with %s: offers crossed; waiting for the answer to ours", self.key)
            return
        reuse = (
            pc is not None
            and not colliding
            and pc.remoteDescription is not None
            and pc.connectionState not in ("failed", "closed")
            and fingerprint(pc.remoteDescription.sdp) == fingerprint(sdp)
        )
        description = RTCSessionDescription(sdp, "offer")
        if reuse:
            assert pc is not None
            try:
                await pc.setRemoteDescription(description)
            except Exception:
                log.info("media with %s: cannot renegotiate; starting afresh", self.key)
                reuse = False
        if not reuse:
            pc = await self._fresh_pc()
            await pc.setRemoteDescription(description)
        assert pc is not None
        await pc.setLocalDescription(await pc.createAnswer())
        await self._add_early_candidates()
        await self.media.send("signal/answer", self.key, sdp=pc.localDescription.sdp)

    async def _on_candidate(self, init: dict[str, Any]) -> None:
        pc = self.pc
        if pc is None or pc.remoteDescription is None:
            self.early_candidates.append(init)  # it raced ahead of its offer or answer
            return
        try:
            await pc.addIceCandidate(parse_candidate(init))
        except Exception as exc:  # a stale or malformed candidate must not stop the call
            log.info("media with %s: candidate ignored (%s)", self.key, exc)

    async def _add_early_candidates(self) -> None:
        early, self.early_candidates = self.early_candidates, []
        for init in early:
            await self._on_candidate(init)

    async def close(self) -> None:
        self._cancel_fallback()
        self.worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.worker
        await self._close_pc()


# -- the mesh -----------------------------------------------------------------------------
