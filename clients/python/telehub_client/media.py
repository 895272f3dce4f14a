"""The media side of a call for one participant: a mesh of aiortc peer connections.

One ``RTCPeerConnection`` per other participant (a call has at most four), each sending a
synthetic test pattern and tone, each remote track read and its decoded frames counted.
Signalling goes through the hub (``signal/offer|answer|candidate|hangup``); media does not.

Who offers (the same rule as ``clients/web/shared/rtc.js``):

* **The newcomer offers.** When ``start()`` runs, everyone already connected in the call
  gets an offer from us; a participant who connects later offers to us.
* **A fallback.** If a peer we wait for has not offered after ``fallback_seconds``, we
  offer anyway (they may have started before they saw us).
* **Glare.** Two offers can cross. The side whose key sorts higher is *polite*: it drops
  its own offer and answers (aiortc cannot roll back, so it answers from a fresh peer
  connection). The other side ignores the incoming offer while its own is fresh. Both
  sides compute politeness from the two keys alone, so they always agree.
* **A peer that restarted** offers with a new DTLS fingerprint: we answer from a fresh
  peer connection. An offer with the same fingerprint renegotiates the existing one.
* **Failure.** If a connection fails, the impolite side offers again from a fresh one.

A participant whose hub socket drops keeps its peer connection: media is peer to peer and
carries on while the hub restarts. A peer is closed when its participant leaves the call,
on a ``hangup`` signal, and all of them when the call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame
from av.frame import Frame

from .connection import CommandFailed, Disconnected, HubConnection
from .quality import QualityTally
from .tracks import TestPattern, Tone

log = logging.getLogger("telehub_client.media")

ENDED_STATES = frozenset({"wrap_up", "closed", "cancelled", "abandoned"})
FRAME_KINDS = ("video", "audio")
OnFrame = Callable[[str, Frame], None]


# -- shared helpers (also used by the echo check) ------------------------------------------
def configuration(servers: list[dict[str, Any]]) -> RTCConfiguration:
    """An RTCConfiguration from the hub's ``ice_servers`` (``[]``: host candidates only)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in servers
        ]
    )


async def reachable_ice_servers(
    servers: list[dict[str, Any]], within: float = 2.0
) -> list[dict[str, Any]]:
    """The servers whose host names resolve: an unreachable STUN server would stall
    aiortc's candidate gathering for seconds on every offer."""
    loop = asyncio.get_running_loop()
    usable = []
    for server in servers:
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        kept = []
        for url in urls:
            host = urlsplit("//" + url.split(":", 1)[-1]).hostname
            try:
                async with asyncio.timeout(within):
                    await loop.getaddrinfo(host, None)
            except (OSError, TimeoutError):
                log.info("ICE server %s is not reachable; leaving it out", url)
                continue
            kept.append(url)
        if kept:
            usable.append({**server, "urls": kept})
    return usable


def parse_candidate(init: dict[str, Any]) -> Any:
    """An aiortc RTCIceCandidate from a browser's RTCIceCandidateInit; None means the end
    of candidates."""
    text = str(init.get("candidate") or "").strip()
    if not text:
        return None
    candidate = candidate_from_sdp(text.removeprefix("a=").removeprefix("candidate:"))
    candidate.sdpMid = init.get("sdpMid")
    candidate.sdpMLineIndex = init.get("sdpMLineIndex")
    if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
        candidate.sdpMLineIndex = 0
    return candidate


def fingerprint(sdp: str) -> str | None:
    match = re.search(r"^a=fingerprint:(.+)$", sdp, re.MULTILINE)
    return match.group(1).strip() if match else None


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
Job = tuple[str, dict[str, Any] | None]


class _Peer:
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
class CallMedia:
    """Join the media of ``call_id`` as the participant signed in on ``conn``.

    ``ice_servers=None`` uses the hub's (from auth_ok, leaving out any that do not
    resolve); ``[]`` means host candidates only (tests, a hub on the same network)."""

    def __init__(
        self,
        conn: HubConnection,
        call_id: str,
        *,
        ice_servers: list[dict[str, Any]] | None = None,
        video_size: tuple[int, int] = (320, 240),
        fps: int = 15,
        fallback_seconds: float = 5.0,
        offer_timeout_seconds: float = 15.0,
        on_frame: OnFrame | None = None,
    ) -> None:
        self.conn = conn
        self.call_id = call_id
        self.self_key: str = conn.auth_ok["who"]["participant_key"]
        self.ice_servers: list[dict[str, Any]] = ice_servers or []
        self._ice_from_hub = ice_servers is None
        self.video_size, self.fps = video_size, fps
        self.fallback_seconds = fallback_seconds
        self.offer_timeout_seconds = offer_timeout_seconds
        self.waiter = FrameWaiter()
        self.quality = QualityTally()
        self.peers: dict[str, _Peer] = {}
        self.ended = asyncio.Event()
        self._extra_on_frame = on_frame
        self._stops: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._updating = asyncio.Lock()
        self._started = False

    # -- reading the counters -------------------------------------------------------------
    @property
    def frames(self) -> dict[str, FrameCounts]:
        return self.waiter.frames

    def count(self, key: str) -> FrameCounts:
        return self.waiter.count(key)

    async def wait_for_frames(
        self, key: str, *, video: int = 1, audio: int = 1, within: float = 60.0
    ) -> FrameCounts:
        return await self.waiter.wait_for_frames(key, video=video, audio=audio, within=within)

    async def wait_until(self, condition: Callable[[], bool], within: float = 60.0) -> None:
        await self.waiter.wait_until(condition, within)

    def connection_state(self, key: str) -> str | None:
        peer = self.peers.get(key)
        return None if peer is None or peer.pc is None else peer.pc.connectionState

    def on_frame(self, key: str, frame: Frame) -> None:
        self.waiter.counted(key, frame)
        if self._extra_on_frame is not None:
            self._extra_on_frame(key, frame)

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, call: dict[str, Any] | None = None) -> None:
        """Offer to everyone already connected in ``call`` (a snapshot: from call/start,
        call/accept, call/join or auth_ok), then follow the call's events."""
        if self._started:
            return
        self._started = True
        if self._ice_from_hub:
            self.ice_servers = await reachable_ice_servers(self.conn.auth_ok["ice_servers"])
        self._stops = [
            self.conn.listen("signal", self._on_signal_event),
            self.conn.listen("call", self._on_call_event),
        ]
        if call is None:
            call = await self.conn.command("call/get", call_id=self.call_id)
        assert call is not None
        self.quality.connected(video=True)  # this client always sends its video track
        await self.update(call, arriving=True)

    async def update(self, call: dict[str, Any], *, arriving: bool = False) -> None:
        """Bring the mesh in line with a call snapshot: connect newcomers, drop leavers."""
        participants = {p["key"]: p for p in call.get("participants", [])}
        async with self._updating:
            if self.ended.is_set():
                return
            if call.get("state") in ENDED_STATES or self.self_key not in participants:
                await self._close(hang_up=False)
                return
            for key in [k for k in self.peers if k not in participants]:
                await self.forget(key)
            for key, p in participants.items():
                if key != self.self_key and p.get("connected") and key not in self.peers:
                    self.peers[key] = _Peer(self, key, offer_first=arriving)

    async def forget(self, key: str) -> None:
        peer = self.peers.pop(key, None)
        if peer is not None:
            await peer.close()
            self.waiter.poke()

    async def close(self, *, hang_up: bool = True) -> None:
        """Stop sending and receiving; ``hang_up`` tells the others (best effort)."""
        async with self._updating:
            await self._close(hang_up=hang_up)
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()

    async def _close(self, *, hang_up: bool) -> None:
        first = not self.ended.is_set()
        self.ended.set()
        for stop in self._stops:
            stop()
        self._stops = []
        for key in list(self.peers):
            if hang_up:
                await self.send("signal/hangup", key)
            await self.forget(key)
        self.waiter.poke()
        if first and self._started:
            await self.report_quality()

    async def report_quality(self) -> bool:
        """Tell the hub how the call went on this device (best effort: a hub that cannot
        take it loses a quality figure, never a clinical one)."""
        try:
            await self.conn.command("call/quality", call_id=self.call_id, **self.quality.report())
        except (CommandFailed, Disconnected) as exc:
            log.info("call/quality not sent: %s", exc)
            return False
        return True

    # -- signalling -------------------------------------------------------------------------
    async def send(self, type_: str, to: str, **fields: Any) -> bool:
        try:
            await self.conn.command(type_, call_id=self.call_id, to=to, **fields)
        except (CommandFailed, Disconnected) as exc:
            log.info("%s to %s not sent: %s", type_, to, exc)
            return False
        return True

    def _on_signal_event(self, event: dict[str, Any]) -> bool:
        if event.get("call_id") != self.call_id or self.ended.is_set():
            return False
        key = str(event.get("from_key"))
        signal = event.get("signal") or {}
        peer = self.peers.get(key)
        if peer is None:
            if signal.get("kind") != "offer":
                return True
            peer = self.peers[key] = _Peer(self, key, offer_first=False)
        peer.jobs.put_nowait(("signal", signal))
        return True

    def _on_call_event(self, event: dict[str, Any]) -> bool:
        call = event.get("call") or {}
        if call.get("id") == self.call_id and not self.ended.is_set():
            self.spawn(self.update(call))
        return False  # others (a UI, a test) may want call events too

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
