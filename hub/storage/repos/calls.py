from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import col, select

from hub.clock import as_utc
from hub.errors import NotFound
from schemas.codes import CallState

from ..scope import Scope
from ..tables import Call, CallEvent, CallParticipant, Device, Organisation, Person, User
from .aggregates import Counted, counted, recount, touches
from .base import Repo


class CallRepo(Repo):
    async def get(self, scope: Scope, *, call_id: str) -> Call:
        scope.require_clinical()
        call = (
            await self.session.exec(
                select(Call).where(
                    Call.id == call_id,
                    scope.site_clause(Call.site_id),
                    scope.person_clause(Call.person_id),
                )
            )
        ).first()
        if call is None:
            raise NotFound("No such call")
        return call

    async def by_id(self, *, call_id: str) -> Call:
        """Any call, for the hub's own timers (no caller to scope it to)."""
        call = await self.session.get(Call, call_id)
        if call is None:
            raise NotFound("No such call")
        return call

    async def by_client_ref(self, scope: Scope, *, client_ref: str) -> Call | None:
        return (
            await self.session.exec(
                select(Call).where(
                    Call.client_ref == client_ref,
                    scope.site_clause(Call.site_id),
                    scope.person_clause(Call.person_id),
                )
            )
        ).first()

    async def events(self, scope: Scope, *, call_id: str) -> Sequence[CallEvent]:
        await self.get(scope, call_id=call_id)
        return (
            await self.session.exec(
                select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.id))
            )
        ).all()

    async def waiting(
        self, scope: Scope, *, states: Iterable[CallState], nurse_id: int | None = None
    ) -> Sequence[Call]:
        """Calls in ``states`` (only ``nurse_id``'s, if given)."""
        scope.require_clinical()
        stmt = select(Call).where(
            col(Call.state).in_([s.value for s in states]),
            scope.site_clause(Call.site_id),
            scope.person_clause(Call.person_id),
        )
        if nurse_id is not None:
            stmt = stmt.where(col(Call.nurse_id) == nurse_id)
        return (await self.session.exec(stmt)).all()

    async def ids_of_nurse(self, *, nurse_id: int, states: Iterable[CallState]) -> list[str]:
        """The ids of ``nurse_id``'s calls in ``states``: read on every registration of
        theirs, in Core (no ``Call`` rows loaded to take their ids)."""
        conn = await self.session.connection()
        stmt = sa.select(col(Call.id)).where(
            col(Call.nurse_id) == nurse_id, col(Call.state).in_([s.value for s in states])
        )
        return list((await conn.execute(stmt)).scalars())

    async def add(self, call: Call, events: Sequence[CallEvent] = ()) -> Call:
        """Store a new call, counted for the reports in the same transaction."""
        self.session.add(call)
        await self.session.flush()
        self.session.add_all(list(events))
        await recount(self.session, None, Counted.of(call))
        return call

    async def move(
        self,
        *,
        call_id: str,
        sources: Iterable[CallState],
        target: CallState,
        actor: tuple[int | None, int | None],
        detail: dict[str, Any] | None = None,
        only_if: Any = None,
        **values: Any,
    ) -> CallState | None:
        """Move a call to ``target`` only if it is in one of ``sources`` (and ``only_if``).

        One conditional UPDATE, so of two racing moves exactly one wins. Returns the state
        the call left, or None if it was not in a source state. Records the call event; a
        move that sets counted codes (a disposition) is counted for the reports in the same
        transaction.
        """
        before = await counted(self.session, call_id) if touches(values) else None
        current = (await self.session.exec(select(Call.state).where(Call.id == call_id))).first()
        if current is None:
            raise NotFound("No such call")
        allowed = [s.value for s in sources]
        stmt = (
            update(Call)
            .where(col(Call.id) == call_id, col(Call.state) == current)
            .where(col(Call.state).in_(allowed))
            .values(state=target.value, **values)
        )
        if only_if is not None:
            stmt = stmt.where(only_if)
        result = await self.session.exec(stmt)
        if result.rowcount != 1:
            return None
        if before is not None:
            await recount(self.session, before, before.changed(values))
        self.session.add(
            CallEvent(
                call_id=call_id,
                at=self.clock.now(),
                kind="state",
                from_state=current,
                to_state=target.value,
                actor_user_id=actor[0],
                actor_device_id=actor[1],
                detail=detail,
            )
        )
        return CallState(current)

    async def set_codes(self, scope: Scope, *, call_id: str, **codes: str) -> None:
        """Correct the coded columns the reports read (after an amendment), and their counts."""
        scope.require_hub()
        before = await counted(self.session, call_id)
        await self.session.exec(update(Call).where(col(Call.id) == call_id).values(**codes))
        if before is not None:
            await recount(self.session, before, before.changed(codes))

    async def set_priority(
        self, scope: Scope, *, call_id: str, priority: int, states: frozenset[str]
    ) -> int | None:
        """Re-triage a call still in one of ``states``: its priority before, or None if it
        was no longer waiting (one conditional UPDATE, so a race with an accept is safe)."""
        scope.require_hub()
        call = await self.session.get(Call, call_id, populate_existing=True)
        if call is None or call.state not in states:
            return None
        before = call.priority  # the UPDATE below refreshes the object in the session
        result = await self.session.exec(
            update(Call)
            .where(col(Call.id) == call_id, col(Call.state).in_(list(states)))
            .values(priority=priority)
        )
        return before if result.rowcount == 1 else None

    async def set_follow_up(
        self, scope: Scope, *, call_id: str, ed_within_72h: str, admitted_within_72h: str
    ) -> None:
        """Copy the 72-hour follow-up's answers to the call, where the reports read them,
        and count them."""
        scope.require_hub()
        answers = {"ed_within_72h": ed_within_72h, "admitted_within_72h": admitted_within_72h}
        before = await counted(self.session, call_id)
        await self.session.exec(update(Call).where(col(Call.id) == call_id).values(**answers))
        if before is not None:
            await recount(self.session, before, before.changed(answers))

    async def mark_overdue(self, *, call_id: str, at: datetime) -> bool:
        """Flag a waiting call past its answer target, once: False if already flagged."""
        result = await self.session.exec(
            update(Call)
            .where(col(Call.id) == call_id, col(Call.overdue_at).is_(None))
            .values(overdue_at=at)
        )
        return bool(result.rowcount)

    async def note(
        self,
        *,
        call_id: str,
        kind: str,
        actor: tuple[int | None, int | None],
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record a moment that is not a state change (a specialist joined, a transfer)."""
        self.session.add(
            CallEvent(
                call_id=call_id,
                at=self.clock.now(),
                kind=kind,
                actor_user_id=actor[0],
                actor_device_id=actor[1],
                detail=detail,
            )
        )

    async def last_state_change(self, *, call_id: str) -> datetime | None:
        at = (
            await self.session.exec(
                select(CallEvent.at)
                .where(CallEvent.call_id == call_id, CallEvent.kind == "state")
                .order_by(col(CallEvent.id).desc())
            )
        ).first()
        return as_utc(at) if at is not None else None

    async def context(self, *, call: Call) -> tuple[Organisation, Person | None, User | None]:
        site, person, nurse, _ = await self.context_and_device(call=call)
        return site, person, nurse

    async def context_and_device(
        self, *, call: Call
    ) -> tuple[Organisation, Person | None, User | None, Device | None]:
        """The call's site, person, nurse and device in one round trip (each snapshot of a
        call needs all four; a reconnection or a queue of calls reads many)."""
        stmt = (
            select(Organisation, Person, User, Device)
            .select_from(Organisation)
            .where(col(Organisation.id) == call.site_id)
            .outerjoin(Person, col(Person.id) == (call.person_id or 0))
            .outerjoin(User, col(User.id) == (call.nurse_id or 0))
            .outerjoin(Device, col(Device.id) == (call.device_id or 0))
        )
        row = (await self.session.exec(stmt)).one()
        return row[0], row[1], row[2], row[3]


class ParticipantRepo(Repo):
    async def add(self, participant: CallParticipant) -> CallParticipant:
        self.session.add(participant)
        await self.session.flush()
        return participant

    async def of_call(self, *, call_id: str, active_only: bool = True) -> Sequence[CallParticipant]:
        stmt = select(CallParticipant).where(CallParticipant.call_id == call_id)
        if active_only:
            stmt = stmt.where(col(CallParticipant.left_at).is_(None))
        return (await self.session.exec(stmt.order_by(col(CallParticipant.id)))).all()

    async def find(self, *, call_id: str, key: str) -> CallParticipant | None:
        return (
            await self.session.exec(
                select(CallParticipant).where(
                    CallParticipant.call_id == call_id,
                    CallParticipant.key == key,
                    col(CallParticipant.left_at).is_(None),
                )
            )
        ).first()

    async def calls_of(self, *, key: str) -> Sequence[str]:
        """Ids of the calls this participant is still in."""
        return (
            await self.session.exec(
                select(CallParticipant.call_id).where(
                    CallParticipant.key == key, col(CallParticipant.left_at).is_(None)
                )
            )
        ).all()

    async def set_connected(
        self, *, key: str, connected: bool, process_id: str | None = None
    ) -> Sequence[str]:
        """A participant's socket came (on ``process_id``) or went. Every socket's
        registration runs it, so the ORM does not look for participants loaded in the session
        to update (``synchronize_session``: its callers load none; that search was ~0.5 of
        ~2.7 ms of this statement's CPU, docs/performance.md 2026-12-03)."""
        values: dict[str, object] = {"disconnected_at": None if connected else self.clock.now()}
        if connected:
            values["process_id"] = process_id
        stmt = (
            update(CallParticipant)
            .where(col(CallParticipant.key) == key, col(CallParticipant.left_at).is_(None))
            .values(**values)
            .returning(col(CallParticipant.call_id))
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.exec(stmt)).scalars().all())

    async def leave(self, *, call_id: str, key: str) -> bool:
        result = await self.session.exec(
            update(CallParticipant)
            .where(
                col(CallParticipant.call_id) == call_id,
                col(CallParticipant.key) == key,
                col(CallParticipant.left_at).is_(None),
            )
            .values(left_at=self.clock.now())
        )
        return bool(result.rowcount)

    async def gone_since(self, *, before: datetime) -> Sequence[CallParticipant]:
        """Participants whose socket dropped before ``before`` and never came back."""
        return (
            await self.session.exec(
                select(CallParticipant).where(
                    col(CallParticipant.left_at).is_(None),
                    col(CallParticipant.disconnected_at).is_not(None),
                    col(CallParticipant.disconnected_at) < before,
                )
            )
        ).all()
