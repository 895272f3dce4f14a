"""The nurse's advice to the home: the calls that carry some, each with its outcome and the
amendments that replaced it. Every read is scoped to the caller's site (and, for a device
enrolled to one person, to that person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, exists, or_, select

from ..scope import Scope
from ..tables import Amendment, Call, Outcome
from .base import Repo

ADVICE_FIELD = "advice_to_home"


@dataclass(frozen=True)
class AdviceRow:
    call: Call
    outcome: Outcome
    latest: Amendment | None  # the amendment that last replaced the advice, if any


class AdviceRepo(Repo):
    async def given(
        self,
        scope: Scope,
        *,
        person_id: int | None = None,
        call_id: str | None = None,
        limit: int = 20,
    ) -> list[AdviceRow]:
        """Closed calls with advice to the home (recorded or added by amendment), newest
        first: one person's, or one call's."""
        scope.require_clinical()
        amended = exists().where(
            col(Amendment.call_id) == col(Call.id), col(Amendment.field) == ADVICE_FIELD
        )
        query = (
            select(Call, Outcome)
            .join(Outcome, col(Outcome.call_id) == col(Call.id))
            .where(
                or_(col(Outcome.advice_to_home).is_not(None), amended),
                scope.site_clause(Call.site_id),
                scope.person_clause(Call.person_id),
            )
            .order_by(col(Call.started_at).desc(), col(Call.id))
            .limit(limit)
        )
        if person_id is not None:
            query = query.where(col(Call.person_id) == person_id)
        if call_id is not None:
            query = query.where(col(Call.id) == call_id)
        found: Sequence[tuple[Call, Outcome]] = (await self.session.exec(query)).all()
        latest = await self._latest([c.id for c, _ in found])
        return [AdviceRow(c, o, latest.get(c.id)) for c, o in found]

    async def _latest(self, call_ids: list[str]) -> dict[str, Amendment]:
        if not call_ids:
            return {}
        rows = await self.session.exec(
            select(Amendment)
            .where(col(Amendment.call_id).in_(call_ids), col(Amendment.field) == ADVICE_FIELD)
            .order_by(col(Amendment.id))
        )
        return {a.call_id: a for a in rows.all()}  # the last one wins
