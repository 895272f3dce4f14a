"""The 72-hour follow-up worklist: call the home back (or read linked hospital data), record
whether the resident went to A&E or was admitted, and so confirm or refute the call's claims.

A 72-hour answer is only an answer once 72 hours have passed since the call ended: before
then "no A&E visit" may still become one. Recording it earlier is refused (409, naming the
time it can be recorded from), so a claim is never confirmed early. The task may fall due
slightly earlier (it is timed from the call's start); the recording rule is the end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.avoided.claims import claimed_labels, facts_of
from hub.clock import LONDON, Clock, as_utc
from hub.errors import Conflict, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.outcomes import FollowUpRepo
from hub.storage.scope import Scope
from hub.storage.tables import Call, FollowUpTask
from schemas.codes import Disposition, FollowUpAnswer, Reason
from schemas.outcomes import FollowUpRecord, FollowUpTaskPublic

from .amenders import require_follow_up_recorder

OVERDUE_AFTER = timedelta(hours=24)
"""A task not recorded a day after it fell due is flagged overdue."""
ANSWERS_AFTER = timedelta(hours=72)
"""A follow-up answers for the 72 hours after the call ended, so it is recorded after them."""


def recordable_from(task: FollowUpTask, call: Call) -> datetime:
    """When the follow-up may be recorded: 72 hours after the call ended (never before the
    task is due; a call with no recorded end uses the due time alone)."""
    due = as_utc(task.due_at)
    if call.ended_at is None:
        return due
    return max(due, as_utc(call.ended_at) + ANSWERS_AFTER)


def is_overdue(task: FollowUpTask, now: datetime) -> bool:
    return task.completed_at is None and now > as_utc(task.due_at) + OVERDUE_AFTER


class FollowUpService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def worklist(self, scope: Scope, *, done_today: bool = True) -> list[FollowUpTaskPublic]:
        """Tasks due now (overdue first among equals by due time), then those recorded in
        the last day, so the nurse sees what she has just done."""
        now = self.clock.now()
        async with self.db.session() as s:
            rows = await FollowUpRepo(s, self.clock).worklist(
                scope,
                due_before=now,
                include_done_since=now - timedelta(hours=24) if done_today else None,
            )
            await AuditRepo(s, self.clock).note(
                scope, "follow_up_list", detail=found("call_ids", [c.id for _, c in rows])
            )
            return await public_tasks(s, self.clock, rows)

    async def due_count(self, scope: Scope) -> int:
        async with self.db.session() as s:
            return await FollowUpRepo(s, self.clock).count_open(scope, due_before=self.clock.now())

    async def task(self, scope: Scope, task_id: int) -> FollowUpTaskPublic:
        async with self.db.session() as s:
            task = await FollowUpRepo(s, self.clock).get(scope, task_id=task_id)
            call = await CallRepo(s, self.clock).get(scope, call_id=task.call_id)
            await AuditRepo(s, self.clock).note(
                scope, "read", target_type="follow_up", target_id=task_id, person_id=call.person_id
            )
            return (await public_tasks(s, self.clock, [(task, call)]))[0]

    async def record(self, p: Principal, task_id: int, body: FollowUpRecord) -> FollowUpTaskPublic:
        """Record the answers once, copy them to the call (its confirmed measures), note it
        on the call's timeline and in the audit trail, in one transaction."""
        scope = p.scope
        require_follow_up_recorder(scope)
        async with self.db.session() as s:
            repo = FollowUpRepo(s, self.clock)
            task = await repo.get(scope, task_id=task_id)
            call = await CallRepo(s, self.clock).get(scope, call_id=task.call_id)
            opens = recordable_from(task, call)
            if self.clock.now() < opens and task.completed_at is None:
                when = opens.astimezone(LONDON)
                raise InvalidState(
                    "The 72-hour follow-up can be recorded from "
                    f"{when:%d %B %Y %H:%M} UK time, 72 hours after the call ended; "
                    "an answer before then could not confirm anything"
                )
            done = await repo.complete(
                scope,
                task_id=task_id,
                ed_within_72h=body.ed_within_72h.value,
                admitted_within_72h=body.admitted_within_72h.value,
            )
            if not done:
                task = await repo.get(scope, task_id=task_id)
                who = await UserRepo(s, self.clock).by_id(user_id=task.completed_by or 0)
                raise Conflict(f"Already recorded by {who.display_name if who else 'someone else'}")
            await CallRepo(s, self.clock).set_follow_up(
                scope,
                call_id=call.id,
                ed_within_72h=body.ed_within_72h.value,
                admitted_within_72h=body.admitted_within_72h.value,
            )
            await CallRepo(s, self.clock).note(
                call_id=call.id,
                kind="follow_up_recorded",
                actor=(scope.user_id, None),
                detail={
                    "ed_within_72h": body.ed_within_72h.value,
                    "admitted_within_72h": body.admitted_within_72h.value,
                    "method": body.method,
                },
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "follow_up_record",
                target_type="follow_up",
                target_id=task_id,
                person_id=call.person_id,
            )
        return await self.task(scope, task_id)


async def public_tasks(
    s: AsyncSession, clock: Clock, rows: Sequence[tuple[FollowUpTask, Call]]
) -> list[FollowUpTaskPublic]:
    """Follow-up tasks as the worklist and the call record show them."""
    now = clock.now()
    calls = CallRepo(s, clock)
    users = UserRepo(s, clock)
    out = []
    for task, call in rows:
        site, person, _ = await calls.context(call=call)
        completer = await users.by_id(user_id=task.completed_by) if task.completed_by else None
        out.append(
            FollowUpTaskPublic(
                id=task.id or 0,
                call_id=call.id,
                due_at=as_utc(task.due_at),
                overdue=is_overdue(task, now),
                nurse_id=call.nurse_id,
                completed_at=as_utc(task.completed_at) if task.completed_at else None,
                completed_by_name=completer.display_name if completer else None,
                site_name=site.name,
                person_name=f"{person.given_name} {person.family_name}" if person else None,
                call_started_at=as_utc(call.started_at),
                reason=Reason(call.reason).label,
                disposition=Disposition(call.disposition).label if call.disposition else None,
                claims=claimed_labels(facts_of(call)),
                ed_within_72h=FollowUpAnswer(task.ed_within_72h),
                admitted_within_72h=FollowUpAnswer(task.admitted_within_72h),
            )
        )
    return out
