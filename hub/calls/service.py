"""The call lifecycle: commit to the database, then publish, then deliver.

Every transition is one conditional UPDATE plus a call event in the same transaction, so
two nurses racing to accept a call give exactly one winner, and nothing is announced that
was not first made durable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.broker import topics
from hub.broker.fanout import Fanout
from hub.clinical.news2 import score_news2
from hub.clock import Clock, as_utc, london_month
from hub.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from hub.outcomes.claims import claimed, facts
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.repos.processes import ProcessRepo
from hub.storage.scope import SYSTEM
from hub.storage.tables import (
    Call,
    CallEvent,
    CallParticipant,
    Escalation,
    FollowUpTask,
    Outcome,
    User,
)
from schemas.codes import CallState, Channel, OrganisationKind, Role
from schemas.wire import (
    CallClose,
    CallSnapshot,
    CallStart,
    OverdueEvent,
    QueueEntry,
    QueueEvent,
    RingEvent,
)
from schemas.wire import (
    CallEvent as CallEventFrame,
)

from . import states
from .queue import is_overdue, order, priority_of
from .snapshots import snapshot_of

MAX_PARTICIPANTS = 4
RING_TIMEOUT = timedelta(seconds=60)
FOLLOW_UP_AFTER = timedelta(hours=72)

CHANNELS_BY_SITE: dict[str, frozenset[Channel]] = {
    OrganisationKind.CARE_HOME_NURSING: frozenset({Channel.CARE_HOME}),
    OrganisationKind.CARE_HOME_RESIDENTIAL: frozenset({Channel.CARE_HOME}),
    OrganisationKind.OWN_HOME: frozenset({Channel.HOME_PATIENT, Channel.GOLD_LINE}),
    OrganisationKind.PRISON: frozenset({Channel.PRISON_URGENT, Channel.PRISON_CLINIC}),
}


def _actor(p: Principal) -> tuple[int | None, int | None]:
    return p.scope.user_id, p.scope.device_id


def _key(p: Principal) -> str:
    scope = p.scope
    return f"device:{scope.device_id}" if scope.device_id is not None else f"user:{scope.user_id}"


log = logging.getLogger("hub.calls")


class CallService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: HubSettings,
        fanout: Fanout,
        *,
        process_id: str = "",
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.fanout = fanout
        self.process_id = process_id  # this hub process (hub_process.id): the broker's origin
        self._started = False
        # Since when this process has reached the database without a break: a peer is
        # dead only when it has not been seen for a whole timeout of that (after an
        # outage every process is late, and none is dead for it).
        self._reachable_since: datetime | None = None
        self._beaten_at: datetime | None = None

    # -- a site asks for help -------------------------------------------------------------
    async def start(
        self, p: Principal, cmd: CallStart, *, signed_by: User | None = None
    ) -> CallSnapshot:
        """Open a call. ``signed_by``: the member of staff whose PIN signed a tablet's call."""
        scope = p.scope
        client_ref = f"{_key(p)}/{cmd.client_call_id}"
        async with self.db.session() as s:
            existing = await CallRepo(s, self.clock).by_client_ref(scope, client_ref=client_ref)
            if existing is not None:  # a retry after a dropped connection: same call
                return await snapshot_of(s, self.clock, existing)
        try:
            call_id = await self._create(p, cmd, client_ref, signed_by)
        except IntegrityError:  # the same retry, racing: the first one made the call
            async with self.db.session() as s:
                existing = await CallRepo(s, self.clock).by_client_ref(scope, client_ref=client_ref)
                if existing is None:
                    raise
                return await snapshot_of(s, self.clock, existing)
        await self.queue_changed()
        return await self.snapshot(call_id)

    async def _create(
        self, p: Principal, cmd: CallStart, client_ref: str, signed_by: User | None
    ) -> str:
        scope = p.scope
        now = self.clock.now()
        news2 = score_news2(cmd.observations) if cmd.observations else None
        call_id = str(uuid.uuid4())
        async with self.db.session() as s:
            site = await OrganisationRepo(s, self.clock).get(
                scope, organisation_id=scope.organisation_id
            )
            if cmd.channel not in CHANNELS_BY_SITE.get(site.kind, frozenset()):
                raise InvalidInput(
                    f"The {cmd.channel.label} channel is not for a {site.kind} site",
                    field="channel",
                )
            person_id = cmd.person_id if cmd.person_id is not None else scope.person_id
            if person_id is not None:  # a device enrolled to one person can name only them
                await PersonRepo(s, self.clock).get(scope, person_id=person_id)
            user_id, device_id = _actor(p)
            caller_name = cmd.caller_name or p.name
            by_user = user_id  # who the call's events name: with a PIN, the member of staff
            if signed_by is not None:
                by_user, caller_name = signed_by.id, signed_by.display_name
            call = Call(
                id=call_id,
                site_id=scope.organisation_id,
                person_id=person_id,
                device_id=device_id,
                caller_name=caller_name,
                channel=cmd.channel.value,
                reason=cmd.reason.value,
                secondary_reason=cmd.secondary_reason.value if cmd.secondary_reason else None,
                home_intent=cmd.home_intent.value,
                concern=cmd.concern or None,
                observations=cmd.observations.model_dump(mode="json", exclude_none=True)
                if cmd.observations
                else None,
                soft_signs=[x.value for x in cmd.soft_signs],
                news2_total=news2.total if news2 else None,
                news2_band=news2.band.value if news2 else None,
                news2_complete=news2.complete if news2 else None,
                priority=int(
                    priority_of(news2, cmd.reason, cmd.secondary_reason, channel=cmd.channel)
                ),
                state=CallState.QUEUED.value,
                started_at=now,
                queued_at=now,
                local_month=london_month(now),
                client_ref=client_ref,
            )
            events = [
                CallEvent(
                    call_id=call_id,
                    at=now,
                    kind="state",
                    to_state=CallState.REQUESTED.value,
                    actor_user_id=by_user,
                    actor_device_id=device_id,
                ),
                CallEvent(
                    call_id=call_id,
                    at=now,
                    kind="state",
                    from_state=CallState.REQUESTED.value,
                    to_state=CallState.QUEUED.value,
                    actor_user_id=by_user,
                    actor_device_id=device_id,
                ),
            ]
            await CallRepo(s, self.clock).add(call, events)
            await ParticipantRepo(s, self.clock).add(
                CallParticipant(
                    call_id=call_id,
                    key=_key(p),
                    user_id=user_id,
                    device_id=device_id,
                    role="caller",
                    name=call.caller_name or p.name,
                    joined_at=now,
                    process_id=self.process_id or None,
                )
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "call_start",
                target_type="call",
                target_id=call_id,
            )
        return call_id

    async def cancel(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(p.scope, call_id=call_id)
            if call.state not in states.WAITING:
                raise InvalidState("This call has already been answered or ended")
            if await ParticipantRepo(s, self.clock).find(call_id=call_id, key=_key(p)) is None:
                raise Forbidden("Only the caller can cancel this call")
            moved = await CallRepo(s, self.clock).move(
                call_id=call.id,
                sources={CallState.REQUESTED, *states.WAITING},
                target=CallState.CANCELLED,
                actor=_actor(p),
                ended_at=self.clock.now(),
            )
            if moved is None:
                raise InvalidState("This call has already been answered or ended")
            await ParticipantRepo(s, self.clock).leave(call_id=call_id, key=_key(p))
        await self.queue_changed()
        return await self.call_changed(call_id)

    # -- a nurse answers ------------------------------------------------------------------
    async def accept(self, p: Principal, call_id: str) -> CallSnapshot:
        me = p.scope.user_id
        assert me is not None
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            await repo.get(p.scope, call_id=call_id)
            busy = [
                c
                for c in await repo.waiting(p.scope, states=states.LIVE | {CallState.WRAP_UP})
                if c.nurse_id == me
            ]
            if busy:
                raise InvalidState("Finish your current call (including its wrap-up) first")
            now = self.clock.now()
            moved = await repo.move(
                call_id=call_id,
                sources=states.WAITING,
                target=CallState.CONNECTED,
                actor=_actor(p),
                only_if=col(Call.offered_to).is_(None) | (col(Call.offered_to) == me),
                nurse_id=me,
                offered_to=None,
                answered_at=now,
            )
            if moved is None:
                winner = await self._taken_by(s, call_id)
                raise Conflict(winner)
            await ParticipantRepo(s, self.clock).add(
                CallParticipant(
                    call_id=call_id,
                    key=_key(p),
                    user_id=me,
                    role="nurse",
                    name=p.name,
                    joined_at=now,
                    process_id=self.process_id or None,
                )
            )
        await self.queue_changed()
        return await self.call_changed(call_id)

    async def _taken_by(self, s: AsyncSession, call_id: str) -> str:
        call = await s.get(Call, call_id, populate_existing=True)
        if call is None:
            return "No such call"
        if call.state in (CallState.CANCELLED, CallState.ABANDONED):
            return "The caller has gone"
        if call.offered_to is not None and call.state == CallState.RINGING:
            user = await UserRepo(s, self.clock).by_id(user_id=call.offered_to)
            return f"Offered to {user.display_name if user else 'another nurse'}"
        if call.nurse_id is not None:
            user = await UserRepo(s, self.clock).by_id(user_id=call.nurse_id)
            return f"Taken by {user.display_name if user else 'another nurse'}"
        return "This call can no longer be accepted"

    async def hold(self, p: Principal, call_id: str, on: bool) -> CallSnapshot:
        await self._as_nurse_move(
            p,
            call_id,
            sources={CallState.CONNECTED} if on else {CallState.ON_HOLD},
            target=CallState.ON_HOLD if on else CallState.CONNECTED,
        )
        return await self.call_changed(call_id)

    async def end(self, p: Principal, call_id: str) -> CallSnapshot:
        await self._as_nurse_move(
            p,
            call_id,
            sources=states.LIVE,
            target=CallState.WRAP_UP,
            ended_at=self.clock.now(),
            others_leave=True,
        )
        return await self.call_changed(call_id)

    async def _as_nurse_move(
        self,
        p: Principal,
        call_id: str,
        *,
        sources: frozenset[CallState] | set[CallState],
        target: CallState,
        others_leave: bool = False,
        **values: Any,
    ) -> None:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            if (
                await repo.move(
                    call_id=call_id, sources=sources, target=target, actor=_actor(p), **values
                )
                is None
            ):
                raise InvalidState(f"The call is {call.state.replace('_', ' ')}")
            if others_leave:
                participants = ParticipantRepo(s, self.clock)
                for other in await participants.of_call(call_id=call_id):
                    if other.role != "nurse":
                        await participants.leave(call_id=call_id, key=other.key)

    async def transfer(self, p: Principal, call_id: str, to_user_id: int) -> CallSnapshot:
        if to_user_id == p.scope.user_id:
            raise InvalidInput("You cannot transfer a call to yourself", field="to_user_id")
        async with self.db.session() as s:
            target = await UserRepo(s, self.clock).by_id(user_id=to_user_id)
            if target is None or target.role != Role.HUB_NURSE or not target.active:
                raise InvalidInput("Transfer to a hub nurse on shift", field="to_user_id")
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            moved = await repo.move(
                call_id=call_id,
                sources=states.LIVE,
                target=CallState.RINGING,
                actor=_actor(p),
                detail={"transfer_to": to_user_id},
                nurse_id=None,
                offered_to=to_user_id,
            )
            if moved is None:
                raise InvalidState(f"The call is {call.state.replace('_', ' ')}")
            await repo.note(
                call_id=call_id,
                kind="transferred",
                actor=_actor(p),
                detail={"from": p.scope.user_id, "to": to_user_id},
            )
            await ParticipantRepo(s, self.clock).leave(call_id=call_id, key=_key(p))
        snapshot = await self.call_changed(call_id, extra_keys=[_key(p)])
        await self.fanout.event(
            topics.participant(f"user:{to_user_id}"), RingEvent(call=snapshot, why="transfer")
        )
        await self.queue_changed()
        return snapshot

    # -- a specialist is drawn in --------------------------------------------------------
    async def invite(self, p: Principal, call_id: str, user_id: int) -> CallSnapshot:
        async with self.db.session() as s:
            target = await UserRepo(s, self.clock).by_id(user_id=user_id)
            if (
                target is None
                or target.role not in (Role.SPECIALIST, Role.HUB_NURSE)
                or (not target.active)
            ):
                raise InvalidInput("Invite a specialist or another hub nurse", field="user_id")
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            if call.state not in states.LIVE:
                raise InvalidState("A specialist can join only a live call")
            participants = ParticipantRepo(s, self.clock)
            present = await participants.of_call(call_id=call_id)
            key = f"user:{user_id}"
            if any(x.key == key for x in present):
                raise Conflict(f"{target.display_name} is already in or invited to this call")
            if len(present) >= MAX_PARTICIPANTS:
                raise Conflict(f"A call has at most {MAX_PARTICIPANTS} participants")
            await participants.add(
                CallParticipant(
                    call_id=call_id,
                    key=key,
                    user_id=user_id,
                    role="specialist",
                    name=target.display_name,
                    invited_at=self.clock.now(),
                )
            )
            await repo.note(
                call_id=call_id,
                kind="specialist_invited",
                actor=_actor(p),
                detail={"user_id": user_id, "specialty": target.specialty},
            )
        snapshot = await self.call_changed(call_id)
        await self.fanout.event(topics.participant(key), RingEvent(call=snapshot, why="specialist"))
        return snapshot

    async def join(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            participants = ParticipantRepo(s, self.clock)
            invitation = await participants.find(call_id=call_id, key=_key(p))
            if invitation is None or invitation.role != "specialist":
                raise Forbidden("You have not been invited to this call")
            if invitation.joined_at is not None:
                raise InvalidState("You are already in this call")
            if call.state not in states.LIVE:
                raise InvalidState("This call is no longer live")
            now = self.clock.now()
            invitation.joined_at = now
            invitation.process_id = self.process_id or None
            s.add(invitation)
            assert invitation.invited_at is not None
            waited = (now - as_utc(invitation.invited_at)).total_seconds()
            user = await UserRepo(s, self.clock).by_id(user_id=p.scope.user_id or 0)
            await repo.note(
                call_id=call_id,
                kind="specialist_joined",
                actor=_actor(p),
                detail={"seconds_to_join": round(waited, 1)},
            )
            s.add(
                Escalation(
                    call_id=call_id,
                    code="specialist_joined",
                    at=now,
                    specialty=user.specialty if user else None,
                    recorded_by=p.scope.user_id,
                )
            )
        return await self.call_changed(call_id)

    async def leave(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            participants = ParticipantRepo(s, self.clock)
            me = await participants.find(call_id=call_id, key=_key(p))
            if me is None:
                raise InvalidState("You are not in this call")
            if me.role == "nurse":
                raise InvalidState("End or transfer the call instead")
            if me.role == "caller" and call.state in states.WAITING:
                raise InvalidState("Cancel the call instead")
            await participants.leave(call_id=call_id, key=me.key)
            await repo.note(call_id=call_id, kind=f"{me.role}_left", actor=_actor(p))
        return await self.call_changed(call_id, extra_keys=[_key(p)])

    # -- the record ----------------------------------------------------------------------
    async def close(self, p: Principal, cmd: CallClose) -> CallSnapshot:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=cmd.call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("Only the nurse who took the call can close it")
            now = self.clock.now()
            claims = bool(
                claimed(
                    facts(call.home_intent, cmd.nurse_counterfactual.value, cmd.disposition.value)
                )
            )
            follow_up = cmd.follow_up_needed if cmd.follow_up_needed is not None else claims
            moved = await repo.move(
                call_id=call.id,
                sources={CallState.WRAP_UP},
                target=CallState.CLOSED,
                actor=_actor(p),
                closed_at=now,
                disposition=cmd.disposition.value,
                nurse_counterfactual=cmd.nurse_counterfactual.value,
            )
            if moved is None:
                raise InvalidState(
                    "End the call before recording its outcome"
                    if call.state != CallState.CLOSED
                    else "This call is closed"
                )
            s.add(
                Outcome(
                    call_id=call.id,
                    disposition=cmd.disposition.value,
                    nurse_counterfactual=cmd.nurse_counterfactual.value,
                    clinical_note=cmd.clinical_note,
                    follow_up_needed=follow_up,
                    recorded_by=p.scope.user_id or 0,
                    recorded_at=now,
                )
            )
            for code in dict.fromkeys(cmd.escalations):
                s.add(
                    Escalation(
                        call_id=call.id, code=code.value, at=now, recorded_by=p.scope.user_id
                    )
                )
            if follow_up:
                # The follow-up asks about the 72 hours after the call ended (when the nurse
                # ended it; a call closed without an end is taken to end now).
                ended = as_utc(call.ended_at) if call.ended_at is not None else now
                s.add(FollowUpTask(call_id=call.id, due_at=ended + FOLLOW_UP_AFTER))
            await AuditRepo(s, self.clock).note(
                p.scope,
                "call_close",
                target_type="call",
                target_id=call.id,
                detail={"disposition": cmd.disposition.value},
            )
        return await self.call_changed(cmd.call_id)

    # -- reading -------------------------------------------------------------------------
    async def get(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(p.scope, call_id=call_id)
            await AuditRepo(s, self.clock).note(
                p.scope, "read", target_type="call", target_id=call_id, person_id=call.person_id
            )
            return await snapshot_of(s, self.clock, call)

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

    # -- fan-out -------------------------------------------------------------------------
    async def queue_changed(self) -> None:
        """Publish the queue to every nurse console, and each caller its place in it."""
        entries = await self.queue()
        await self.fanout.event(topics.QUEUE, QueueEvent(entries=entries))
        for entry in entries:
            for participant in entry.call.participants:
                if participant.role == "caller":
                    await self.fanout.event(
                        topics.participant(participant.key), CallEventFrame(call=entry.call)
                    )

    async def call_changed(self, call_id: str, extra_keys: Sequence[str] = ()) -> CallSnapshot:
        snapshot = await self.snapshot(call_id)
        async with self.db.session() as s:
            everyone = await ParticipantRepo(s, self.clock).of_call(
                call_id=call_id, active_only=False
            )
        keys = dict.fromkeys([*(x.key for x in everyone), *extra_keys])
        frame = CallEventFrame(call=snapshot)
        for key in keys:
            await self.fanout.event(topics.participant(key), frame)
        return snapshot

    async def _end_if_everyone_lost(
        self,
        s: AsyncSession,
        repo: CallRepo,
        participants: ParticipantRepo,
        call_id: str,
        now: datetime,
    ) -> None:
        """A live call whose every participant has gone ends: into wrap-up, so the nurse
        who took it records what happened, never left `connected` with nobody in it."""
        if await participants.of_call(call_id=call_id):
            return
        moved = await repo.move(
            call_id=call_id,
            sources=states.LIVE,
            target=CallState.WRAP_UP,
            actor=(None, None),
            detail={"reason": "every participant lost"},
            ended_at=now,
        )
        if moved is not None:
            await repo.note(
                call_id=call_id,
                kind="abandoned",
                actor=(None, None),
                detail={"reason": "every participant's connection was lost for longer than the "
                        "resume window"},
            )  # fmt: skip

    # -- connections come and go ---------------------------------------------------------
    async def connected(self, p: Principal) -> list[CallSnapshot]:
        """A participant is back: it keeps its place in every call it had not left. A nurse
        also gets every call still theirs to finish (live, or in wrap-up after everyone
        was lost), so they can always see and close it."""
        async with self.db.session() as s:
            call_ids = list(
                await ParticipantRepo(s, self.clock).set_connected(
                    key=_key(p), connected=True, process_id=self.process_id or None
                )
            )
            if p.scope.user_id is not None and not p.is_device:
                mine = await CallRepo(s, self.clock).waiting(
                    SYSTEM, states=states.LIVE | {CallState.WRAP_UP}
                )
                call_ids += [c.id for c in mine if c.nurse_id == p.scope.user_id]
        snapshots = [await self.call_changed(call_id) for call_id in dict.fromkeys(call_ids)]
        return [x for x in snapshots if x.state not in states.FINISHED]

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
            await self.call_changed(call_id)

    async def disconnected(self, p: Principal) -> None:
        async with self.db.session() as s:
            call_ids = await ParticipantRepo(s, self.clock).set_connected(
                key=_key(p), connected=False
            )
        for call_id in dict.fromkeys(call_ids):
            await self.call_changed(call_id)

    async def sweep(self) -> None:
        """Timers, from the database so they survive a restart: resume windows, answer
        targets and unanswered transfers."""
        try:
            await self._sweep()
        except Exception:
            self._reachable_since = None  # the database may have been away
            raise

    async def _sweep(self) -> None:
        if not self._started:  # lost participants first, or the downtime would count
            await self.started()
        now = self.clock.now()
        changed: set[str] = set()
        queue_changed = False
        window = timedelta(seconds=self.settings.resume_window_seconds)
        async with self.db.session() as s:
            processes = ProcessRepo(s, self.clock)
            await processes.beat(process_id=self.process_id)
            timeout = timedelta(seconds=self.settings.process_timeout_seconds)
            if self._beaten_at is None or now - self._beaten_at > timeout:
                self._reachable_since = None  # stalled for longer than a peer may be
            reachable_since = self._reachable_since or now
            if now - reachable_since >= timeout:
                for dead in await processes.dead(before=now - timeout):
                    # Its sockets died with it: its participants went when it was last seen.
                    log.warning("hub process %s not seen since %s: its sockets are gone",
                                dead.id, dead.seen_at)  # fmt: skip
                    changed.update(
                        await processes.bury(
                            process_id=dead.id, disconnected_at=as_utc(dead.seen_at)
                        )
                    )
        self._beaten_at, self._reachable_since = now, reachable_since
        async with self.db.session() as s:
            repo, participants = CallRepo(s, self.clock), ParticipantRepo(s, self.clock)
            for gone in await participants.gone_since(before=now - window):
                call = await s.get(Call, gone.call_id)
                assert call is not None
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
                        sources=states.WAITING,
                        target=CallState.ABANDONED,
                        actor=(None, None),
                        ended_at=now,
                    )
                    queue_changed = True
                changed.add(gone.call_id)
            for call_id in list(changed):
                await self._end_if_everyone_lost(s, repo, participants, call_id, now)
        overdue: list[tuple[str, int]] = []
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            for call in await repo.waiting(SYSTEM, states=states.WAITING):
                queued_at = as_utc(call.queued_at or call.started_at)
                if call.overdue_at is None and is_overdue(
                    queued_at, now, self.settings.answer_target_seconds
                ):
                    call.overdue_at = now
                    s.add(call)
                    waited = int((now - queued_at).total_seconds())
                    await repo.note(
                        call_id=call.id,
                        kind="answer_target_missed",
                        actor=(None, None),
                        detail={"waited_seconds": waited},
                    )
                    overdue.append((call.id, waited))
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            for call in await repo.waiting(SYSTEM, states={CallState.RINGING}):
                last = await repo.last_state_change(call_id=call.id)
                if call.offered_to is not None and last is not None and now - last > RING_TIMEOUT:
                    if (
                        await repo.move(
                            call_id=call.id,
                            sources={CallState.RINGING},
                            target=CallState.QUEUED,
                            actor=(None, None),
                            detail={"ring_unanswered": call.offered_to},
                            offered_to=None,
                        )
                        is not None
                    ):
                        queue_changed = True
                        changed.add(call.id)
        for call_id, waited in overdue:
            await self.fanout.event(
                topics.QUEUE, OverdueEvent(call_id=call_id, waited_seconds=waited)
            )
        if queue_changed or overdue:
            await self.queue_changed()
        for call_id in changed:
            await self.call_changed(call_id)


@dataclass(frozen=True, slots=True)
class _Queued:
    call_id: str
    priority: int
    queued_at: datetime
    call: Call
