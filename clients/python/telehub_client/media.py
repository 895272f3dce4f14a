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
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from av.frame import Frame

from .connection import CommandFailed, Disconnected, HubConnection
from .frames import FrameCounts, FrameWaiter, OnFrame
from .peer import Peer
from .quality import QualityTally
from .rtc import reachable_ice_servers

log = logging.getLogger("telehub_client.media")

ENDED_STATES = frozenset({"wrap_up", "closed", "cancelled", "abandoned"})
FRAME_KINDS = ("video", "audio")


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
        self.peers: dict[str, Peer] = {}
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
                    self.peers[key] = Peer(self, key, offer_first=arriving)

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
            peer = self.peers[key] = Peer(self, key, offer_first=False)
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
