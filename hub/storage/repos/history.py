"""The call history: calls newest first with their site, resident and nurse, found by the
filters a nurse or a care home can set. The one query behind ``/api/calls``,
``/api/call-history``, the console's history page, the tablet's recent residents and the
resident summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import ColumnElement
from sqlmodel import col, func, or_, select

from hub.clock import LondonDays

from ..scope import Scope
from ..tables import Call, Organisation, Person, User
from .base import Repo


@dataclass(frozen=True)
class CallFilters:
    """Every filter is optional; None means any. ``resident`` matches a name or the start of
    an NHS number; ``days`` are whole Europe/London days, both ends included."""

    site_id: int | None = None
    person_id: int | None = None
    resident: str | None = None
    days: LondonDays = field(default_factory=LondonDays)
    disposition: str | None = None
    exclude_call_id: str | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.site_id is not None:
            found.append(col(Call.site_id) == self.site_id)
        if self.person_id is not None:
            found.append(col(Call.person_id) == self.person_id)
        if (since := self.days.since) is not None:
            found.append(col(Call.started_at) >= since)
        if (until := self.days.until) is not None:
            found.append(col(Call.started_at) < until)
        if self.disposition is not None:
            found.append(col(Call.disposition) == self.disposition)
        if self.exclude_call_id is not None:
            found.append(col(Call.id) != self.exclude_call_id)
        if self.resident:
            text = self.resident.strip().lower()
            digits = "".join(ch for ch in text if ch.isdigit())
            names = [
                func.lower(Person.family_name).like(f"%{text}%"),
                func.lower(Person.given_name).like(f"%{text}%"),
                func.lower(Person.given_name + " " + Person.family_name).like(f"%{text}%"),
            ]
            if digits:
                names.append(col(Person.nhs_number).like(f"{digits}%"))
            found.append(or_(*names))
        return found


class HistoryHit(NamedTuple):
    call: Call
    site: Organisation
    person: Person | None
    nurse: User | None


class HistoryRepo(Repo):
    async def search(
        self, scope: Scope, filters: CallFilters, *, limit: int = 100
    ) -> list[HistoryHit]:
        """Calls in the caller's scope matching every filter, newest first."""
        scope.require_clinical()
        stmt = (
            select(Call, Organisation, Person, User)
            .join(Organisation, col(Organisation.id) == col(Call.site_id))
            .outerjoin(Person, col(Person.id) == col(Call.person_id))
            .outerjoin(User, col(User.id) == col(Call.nurse_id))
            .where(
                scope.site_clause(Call.site_id),
                scope.person_clause(Call.person_id),
                *filters.clauses(),
            )
            .order_by(col(Call.started_at).desc(), col(Call.id))
            .limit(limit)
        )
        return [HistoryHit(c, o, p, u) for c, o, p, u in (await self.session.exec(stmt)).all()]
