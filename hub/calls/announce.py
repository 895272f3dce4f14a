"""Telling people about calls, after the commit: the queue to every nurse console (and each
caller its place in it), a call's snapshot to everyone in it, a ring to one person.

Nothing here writes; every announcement reads what was committed, so nothing is announced
that was not first made durable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from hub.auth.principal import Principal, user_key
from hub.broker import topics
from hub.broker.fanout import Fanout
from hub.clock import Clock, as_utc
from hub.errors import NotFound
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call
from schemas.wire import (
    AdviceEvent,
    CallEvent,
    CallSnapshot,
    OverdueEvent,
    QueueEntry,
    QueueEvent,
    RingEvent,
    signal_event_json,
)

from . import states
from .queue import is_overdue, order
from .snapshots import snapshot_of


class Announcer:
    def __init__(self, db: Database, clock: Clock, settings: HubSettings, fanout: Fanout) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.fanout = fanout
        # Told (call id, seconds waited) once when a call passes the answer target: the
        # on-call alert (on_call_alert.py) listens. Listeners must not block: they schedule.
        self.on_overdue: list[Callable[[str, int], None]] = []

    async def snapshot(self, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            call = await s.get(Call, call_id, populate_existing=True)
            if call is None:
                raise NotFound("No such call")
            return await snapshot_of(s, self.clock, call)

    async def queue(self, reader: Principal | None = None) -> list[QueueEntry]:
        """The waiting calls in order; a ``reader``'s read is audited (the hub's own fan-out
        of the queue to consoles is not a read by anyone)."""
        now = self.clock.now()
        async with self.db.session() as s:
            waiting = await CallRepo(s, self.clock).waiting(SYSTEM, states=states.WAITING)
            ordered = order(
                _Queued(c.id, c.priority, as_utc(c.queued_at or c.started_at), c) for c in waiting
            )
            entries = []
            for position, w in enumerate(ordered, start=1):
                snapshot = await snapshot_of(s, self.clock, w.call, position=position)
                waited = int((now - w.queued_at).total_seconds())
                entries.append(
                    QueueEntry(
                        call=snapshot,
                        position=position,
                        waited_seconds=waited,
                        overdue=is_overdue(w.queued_at, now, self.settings.answer_target_seconds),
                    )
                )
            if reader is not None:
                await AuditRepo(s, self.clock).note(
                    reader.scope,
                    "queue_read",
                    detail=found("call_ids", [e.call.id for e in entries]),
                )
        return entries

    async def queue_changed(self) -> None:
        """Publish the queue to every nurse console, and each caller its place in it."""
        entries = await self.queue()
        await self.fanout.event(topics.QUEUE, QueueEvent(entries=entries))
        for entry in entries:
            for participant in entry.call.participants:
                if participant.role == "caller":
                    await self.fanout.event(
                        topics.participant(participant.key), CallEvent(call=entry.call)
                    )

    async def call_changed(self, call_id: str, extra_keys: Sequence[str] = ()) -> CallSnapshot:
        """The call's snapshot to everyone who is or was in it (and ``extra_keys``, who
        have just left it)."""
        async with self.db.session() as s:  # one read of the call and everyone in it
            call = await s.get(Call, call_id, populate_existing=True)
            if call is None:
                raise NotFound("No such call")
            everyone = await ParticipantRepo(s, self.clock).of_call(
                call_id=call_id, active_only=False
            )
            here = [x for x in everyone if x.left_at is None]
            snapshot = await snapshot_of(s, self.clock, call, participants=here)
        keys = dict.fromkeys([*(x.key for x in everyone), *extra_keys])
        frame = CallEvent(call=snapshot)
        for key in keys:
            await self.fanout.event(topics.participant(key), frame)
        return snapshot

    async def signal(self, call_id: str, *, from_key: str, to_key: str, signal: BaseModel) -> None:
        """A signal handed to the hub with a committed change (the nurse's first offer with
        ``call/accept``), to the one participant it is for, as ``signal/*`` relays it."""
        event = signal_event_json(call_id, from_key, signal.model_dump_json())
        await self.fanout.event_json(topics.participant(to_key), event)

    async def advice(self, call_id: str, event: AdviceEvent) -> None:
        """The nurse's advice to the home: to the call's callers only (the home's tablet,
        or the person's own device), whether or not they are still in the call."""
        async with self.db.session() as s:
            everyone = await ParticipantRepo(s, self.clock).of_call(
                call_id=call_id, active_only=False
            )
        for key in dict.fromkeys(x.key for x in everyone if x.role == "caller"):
            await self.fanout.event(topics.participant(key), event)

    async def ring(
        self, user_id: int, snapshot: CallSnapshot, why: Literal["transfer", "specialist"]
    ) -> None:
        """Ring one member of staff (a transfer to them, an invitation to join)."""
        await self.fanout.event(
            topics.participant(user_key(user_id)), RingEvent(call=snapshot, why=why)
        )

    async def overdue(self, call_id: str, waited_seconds: int) -> None:
        await self.fanout.event(
            topics.QUEUE, OverdueEvent(call_id=call_id, waited_seconds=waited_seconds)
        )
        for listener in self.on_overdue:
            listener(call_id, waited_seconds)


@dataclass(frozen=True, slots=True)
class _Queued:
    call_id: str
    priority: int
    queued_at: datetime
    call: Call
