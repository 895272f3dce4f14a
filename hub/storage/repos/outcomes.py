"""A call's outcome: wrap-up drafts, the recorded outcome, escalations, amendments and the
72-hour follow-up tasks. Every method takes the scope first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, or_, select

from hub.errors import NotFound

from ..scope import Scope
from ..tables import (
    Amendment,
    Call,
    CallParticipant,
    Escalation,
    FollowUpTask,
    Organisation,
    Outcome,
    Person,
    User,
    WrapUpDraft,
)
from .base import Repo
from .calls import call_filters


class DraftRepo(Repo):
    async def get(self, scope: Scope, *, call_id: str) -> WrapUpDraft | None:
        """The caller's own draft of this call's wrap-up (a draft is one nurse's)."""
        scope.require_hub()
        return await self.session.get(
            WrapUpDraft, (call_id, scope.user_id or 0), populate_existing=True
        )

    async def save(
        self, scope: Scope, *, call_id: str, answers: dict[str, Any], base_revision: int
    ) -> WrapUpDraft | None:
        """Write the draft if ``base_revision`` is the stored one; None if it is stale.

        The first save inserts (two racing first saves: the loser gets an IntegrityError);
        later saves are one conditional UPDATE, so of two racing saves one wins.
        """
        scope.require_hub()
        user_id = scope.user_id or 0
        now = self.clock.now()
        if base_revision == 0:
            draft = WrapUpDraft(
                call_id=call_id, user_id=user_id, answers=answers, revision=1, updated_at=now
            )
            self.session.add(draft)
            await self.session.flush()
            return draft
        result = await self.session.exec(
            update(WrapUpDraft)
            .where(
                col(WrapUpDraft.call_id) == call_id,
                col(WrapUpDraft.user_id) == user_id,
                col(WrapUpDraft.revision) == base_revision,
            )
            .values(answers=answers, revision=base_revision + 1, updated_at=now)
        )
        if result.rowcount != 1:
            return None
        return await self.get(scope, call_id=call_id)

    async def discard(self, scope: Scope, *, call_id: str) -> None:
        scope.require_hub()
        draft = await self.get(scope, call_id=call_id)
        if draft is not None:
            await self.session.delete(draft)


class OutcomeRepo(Repo):
    async def add(self, outcome: Outcome) -> Outcome:
        """The nurse's recorded outcome: written once, never edited (amendments follow)."""
        self.session.add(outcome)
        return outcome

    async def add_escalation(self, escalation: Escalation) -> Escalation:
        self.session.add(escalation)
        return escalation

    async def of_call(self, scope: Scope, *, call_id: str) -> Outcome | None:
        scope.require_clinical()
        return (
            await self.session.exec(
                select(Outcome)
                .join(Call, col(Call.id) == col(Outcome.call_id))
                .where(Outcome.call_id == call_id, scope.site_clause(Call.site_id))
            )
        ).first()

    async def escalations(self, scope: Scope, *, call_id: str) -> Sequence[Escalation]:
        scope.require_clinical()
        return (
            await self.session.exec(
                select(Escalation)
                .join(Call, col(Call.id) == col(Escalation.call_id))
                .where(Escalation.call_id == call_id, scope.site_clause(Call.site_id))
                .order_by(col(Escalation.at), col(Escalation.id))
            )
        ).all()

    async def participants(self, scope: Scope, *, call_id: str) -> Sequence[CallParticipant]:
        scope.require_clinical()
        return (
            await self.session.exec(
                select(CallParticipant)
                .join(Call, col(Call.id) == col(CallParticipant.call_id))
                .where(CallParticipant.call_id == call_id, scope.site_clause(Call.site_id))
                .order_by(col(CallParticipant.id))
            )
        ).all()

    async def notes(self, scope: Scope, *, call_ids: Sequence[str]) -> dict[str, str]:
        """The clinical note of each of these calls that has an outcome."""
        scope.require_clinical()
        if not call_ids:
            return {}
        rows = await self.session.exec(
            select(Outcome.call_id, Outcome.clinical_note)
            .join(Call, col(Call.id) == col(Outcome.call_id))
            .where(col(Outcome.call_id).in_(list(call_ids)), scope.site_clause(Call.site_id))
        )
        return dict(rows.all())


class AmendmentRepo(Repo):
    async def add(self, scope: Scope, amendment: Amendment) -> Amendment:
        scope.require_hub()
        self.session.add(amendment)
        await self.session.flush()
        return amendment

    async def of_call(self, scope: Scope, *, call_id: str) -> Sequence[Amendment]:
        scope.require_clinical()
        return (
            await self.session.exec(
                select(Amendment)
                .join(Call, col(Call.id) == col(Amendment.call_id))
                .where(Amendment.call_id == call_id, scope.site_clause(Call.site_id))
                .order_by(col(Amendment.id))
            )
        ).all()


class FollowUpRepo(Repo):
    async def add(self, task: FollowUpTask) -> FollowUpTask:
        self.session.add(task)
        return task

    async def get(self, scope: Scope, *, task_id: int) -> FollowUpTask:
        scope.require_hub()
        task = await self.session.get(FollowUpTask, task_id, populate_existing=True)
        if task is None:
            raise NotFound("No such follow-up task")
        return task

    async def of_call(self, scope: Scope, *, call_id: str) -> FollowUpTask | None:
        scope.require_clinical()
        return (
            await self.session.exec(
                select(FollowUpTask)
                .join(Call, col(Call.id) == col(FollowUpTask.call_id))
                .where(FollowUpTask.call_id == call_id, scope.site_clause(Call.site_id))
                .order_by(col(FollowUpTask.id).desc())
            )
        ).first()

    async def worklist(
        self, scope: Scope, *, due_before: datetime, include_done_since: datetime | None = None
    ) -> Sequence[tuple[FollowUpTask, Call]]:
        """Open tasks due before ``due_before``, oldest due first; and, if asked, the tasks
        completed since ``include_done_since`` (so the nurse sees what she just recorded)."""
        scope.require_hub()
        open_ = col(FollowUpTask.completed_at).is_(None) & (col(FollowUpTask.due_at) <= due_before)
        where: Any = open_
        if include_done_since is not None:
            where = or_(open_, col(FollowUpTask.completed_at) >= include_done_since)
        rows = await self.session.exec(
            select(FollowUpTask, Call)
            .join(Call, col(Call.id) == col(FollowUpTask.call_id))
            .where(where, scope.site_clause(Call.site_id))
            .order_by(col(FollowUpTask.due_at), col(FollowUpTask.id))
            .limit(500)
        )
        return [(task, call) for task, call in rows.all()]

    async def complete(
        self,
        scope: Scope,
        *,
        task_id: int,
        ed_within_72h: str,
        admitted_within_72h: str,
    ) -> bool:
        """Record the answers once: a second (racing) recording finds nothing to update."""
        scope.require_hub()
        result = await self.session.exec(
            update(FollowUpTask)
            .where(col(FollowUpTask.id) == task_id, col(FollowUpTask.completed_at).is_(None))
            .values(
                completed_at=self.clock.now(),
                completed_by=scope.user_id,
                ed_within_72h=ed_within_72h,
                admitted_within_72h=admitted_within_72h,
            )
        )
        return bool(result.rowcount)

    async def count_open(self, scope: Scope, *, due_before: datetime) -> int:
        scope.require_hub()
        return int(
            (
                await self.session.exec(
                    select(func.count())
                    .select_from(FollowUpTask)
                    .where(
                        col(FollowUpTask.completed_at).is_(None),
                        col(FollowUpTask.due_at) <= due_before,
                    )
                )
            ).one()
        )


class HistoryRepo(Repo):
    async def search(
        self,
        scope: Scope,
        *,
        site_id: int | None = None,
        resident: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        disposition: str | None = None,
        person_id: int | None = None,
        exclude_call_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[tuple[Call, Organisation, Person | None, User | None]]:
        """Calls newest first, with their site, resident and nurse, matching every filter
        given. ``resident`` matches a name or the start of an NHS number."""
        scope.require_clinical()
        stmt = (
            select(Call, Organisation, Person, User)
            .join(Organisation, col(Organisation.id) == col(Call.site_id))
            .outerjoin(Person, col(Person.id) == col(Call.person_id))
            .outerjoin(User, col(User.id) == col(Call.nurse_id))
            .where(
                scope.site_clause(Call.site_id),
                *call_filters(
                    site_id=site_id,
                    person_id=person_id,
                    since=since,
                    until=until,
                    disposition=disposition,
                ),
            )
        )
        if exclude_call_id is not None:
            stmt = stmt.where(Call.id != exclude_call_id)
        if resident:
            text = resident.strip().lower()
            digits = "".join(ch for ch in text if ch.isdigit())
            clauses = [
                func.lower(Person.family_name).like(f"%{text}%"),
                func.lower(Person.given_name).like(f"%{text}%"),
                func.lower(Person.given_name + " " + Person.family_name).like(f"%{text}%"),
            ]
            if digits:
                clauses.append(col(Person.nhs_number).like(f"{digits}%"))
            stmt = stmt.where(or_(*clauses))
        stmt = stmt.order_by(col(Call.started_at).desc(), col(Call.id)).limit(limit)
        return [(c, o, p, u) for c, o, p, u in (await self.session.exec(stmt)).all()]
