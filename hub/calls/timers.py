"""The call timers, read from the database so they survive a restart: resume windows,
answer targets, unanswered transfers, and the hub processes that died (``hub_process``).

The websocket side runs :meth:`CallTimers.sweep` once a second. The first sweep after a
start records this process and, when no other process is alive, starts the resume window
of every participant the hub lost while it was down (the long restart).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hub.clock import Clock, as_utc
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.repos.processes import ProcessRepo
from hub.storage.scope import SYSTEM
from schemas.codes import CallState

from . import states
from .announce import Announcer
from .queue import is_overdue

RING_TIMEOUT = timedelta(seconds=60)
log = logging.getLogger("hub.calls")
HUB = (None, None)  # the hub itself, not a person, moves the call


class CallTimers:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: HubSettings,
        announce: Announcer,
        *,
        process_id: str = "",
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.announce = announce
        self.process_id = process_id
        self._started = False
        # Since when this process has reached the database without a break: a peer is
        # dead only when it has not been seen for a whole timeout of that (after an
        # outage every process is late, and none is dead for it).
        self._reachable_since: datetime | None = None
        self._beaten_at: datetime | None = None

    @property
    def ready(self) -> bool:
        """Whether this process has recorded its start (``started``) and may take sockets."""
        return self._started

    async def started(self) -> None:
        """This process has started. With no other process alive, every participant the
        database still has as connected lost its socket while the hub was down: each one's
        resume window starts now, not when the hub went down."""
        if self._started:
            return
        now = self.clock.now()
        since = now - timedelta(seconds=self.settings.process_timeout_seconds)
        async with self.db.session() as s:
            processes = ProcessRepo(s, self.clock)
            alone = not await processes.others_alive(process_id=self.process_id, since=since)
            await processes.beat(process_id=self.process_id)
            changed = (
                await processes.adopt_orphans(process_id=self.process_id, at=now) if alone else []
            )
        self._started = True
        for call_id in dict.fromkeys(changed):
            await self.announce.call_changed(call_id)

    async def sweep(self) -> None:
        """Every timer, once; then the announcements of what changed."""
        try:
            await self._sweep()
        except Exception:
            self._reachable_since = None  # the database may have been away
            raise

    async def _sweep(self) -> None:
        if not self._started:  # lost participants first, or the downtime would count
            await self.started()
        now = self.clock.now()
        changed = await self._bury_dead_processes(now)
        queue_changed = await self._drop_the_gone(now, changed)
        overdue = await self._mark_overdue(now)
        queue_changed |= await self._requeue_unanswered(now, changed)
        for call_id, waited in overdue:
            await self.announce.overdue(call_id, waited)
        if queue_changed or overdue:
            await self.announce.queue_changed()
        for call_id in changed:
            await self.announce.call_changed(call_id)

    async def _bury_dead_processes(self, now: datetime) -> set[str]:
        """Beat for this process; a process not seen for the timeout died, and its sockets
        with it: its participants went when it was last seen. The calls they were in."""
        changed: set[str] = set()
        async with self.db.session() as s:
            processes = ProcessRepo(s, self.clock)
            await processes.beat(process_id=self.process_id)
            timeout = timedelta(seconds=self.settings.process_timeout_seconds)
            if self._beaten_at is None or now - self._beaten_at > timeout:
                self._reachable_since = None  # stalled for longer than a peer may be
            reachable_since = self._reachable_since or now
            if now - reachable_since >= timeout:
                for dead in await processes.dead(before=now - timeout):
                    log.warning("hub process %s not seen since %s: its sockets are gone",
                                dead.id, dead.seen_at)  # fmt: skip
                    changed.update(
                        await processes.bury(
                            process_id=dead.id, disconnected_at=as_utc(dead.seen_at)
                        )
                    )
        self._beaten_at, self._reachable_since = now, reachable_since
        return changed

    async def _drop_the_gone(self, now: datetime, changed: set[str]) -> bool:
        """Participants gone for longer than the resume window leave their calls; a caller
        who leaves a waiting call abandons it; a live call everyone left goes to wrap-up.
        Adds the calls changed to ``changed``; True if the queue changed."""
        queue_changed = False
        window = timedelta(seconds=self.settings.resume_window_seconds)
        async with self.db.session() as s:
            repo, participants = CallRepo(s, self.clock), ParticipantRepo(s, self.clock)
            for gone in await participants.gone_since(before=now - window):
                call = await repo.by_id(call_id=gone.call_id)
                await participants.leave(call_id=gone.call_id, key=gone.key)
                await repo.note(
                    call_id=gone.call_id,
                    kind="participant_dropped",
                    actor=(gone.user_id, gone.device_id),
                    detail={"role": gone.role},
                )
                if gone.role == "caller" and call.state in states.WAITING:
                    await repo.move(
                        call_id=call.id,
                        sources=states.sources_for(CallState.ABANDONED, within=states.WAITING),
                        target=CallState.ABANDONED,
                        actor=HUB,
                        ended_at=now,
                    )
                    queue_changed = True
                changed.add(gone.call_id)
            for call_id in list(changed):
                await self._end_if_everyone_lost(repo, participants, call_id, now)
        return queue_changed

    async def _end_if_everyone_lost(
        self, repo: CallRepo, participants: ParticipantRepo, call_id: str, now: datetime
    ) -> None:
        """A live call whose every participant has gone ends: into wrap-up, so the nurse
        who took it records what happened, never left `connected` with nobody in it."""
        if await participants.of_call(call_id=call_id):
            return
        moved = await repo.move(
            call_id=call_id,
            sources=states.sources_for(CallState.WRAP_UP),
            target=CallState.WRAP_UP,
            actor=HUB,
            detail={"reason": "every participant lost"},
            ended_at=now,
        )
        if moved is not None:
            await repo.note(
                call_id=call_id,
                kind="abandoned",
                actor=HUB,
                detail={"reason": "every participant's connection was lost for longer than the "
                        "resume window"},
            )  # fmt: skip

    async def _mark_overdue(self, now: datetime) -> list[tuple[str, int]]:
        """Waiting calls past the answer target, each flagged once: (call id, seconds)."""
        overdue: list[tuple[str, int]] = []
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            for call in await repo.waiting(SYSTEM, states=states.WAITING):
                queued_at = as_utc(call.queued_at or call.started_at)
                if call.overdue_at is None and is_overdue(
                    queued_at, now, self.settings.answer_target_seconds
                ):
                    if not await repo.mark_overdue(call_id=call.id, at=now):
                        continue
                    waited = int((now - queued_at).total_seconds())
                    await repo.note(
                        call_id=call.id,
                        kind="answer_target_missed",
                        actor=HUB,
                        detail={"waited_seconds": waited},
                    )
                    overdue.append((call.id, waited))
        return overdue

    async def _requeue_unanswered(self, now: datetime, changed: set[str]) -> bool:
        """A transfer not answered within the ring timeout goes back to the queue."""
        queue_changed = False
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            for call in await repo.waiting(SYSTEM, states={CallState.RINGING}):
                last = await repo.last_state_change(call_id=call.id)
                if call.offered_to is None or last is None or now - last <= RING_TIMEOUT:
                    continue
                moved = await repo.move(
                    call_id=call.id,
                    sources=states.sources_for(CallState.QUEUED, within={CallState.RINGING}),
                    target=CallState.QUEUED,
                    actor=HUB,
                    detail={"ring_unanswered": call.offered_to},
                    offered_to=None,
                )
                if moved is not None:
                    queue_changed = True
                    changed.add(call.id)
        return queue_changed
