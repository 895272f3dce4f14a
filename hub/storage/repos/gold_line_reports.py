"""The rows the monthly report's Gold Line section reads beside the month's calls (which the
report reads anyway, ``ReportRepo.month_calls``): the NHS numbers of the Gold Line callers,
and the deaths in the month of people on the palliative register at the report's sites
(already chosen through the caller's scope) with every version of their entry. One query
each, whatever the number of sites; ``WholeHub`` reads every commissioner's sites' deaths at
once (the hub-wide report), so every row starts with its site's id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import col, select

from ..scope import Scope
from ..tables import Death, PalliativeEntry, Person
from .base import Repo
from .palliative import is_current_death
from .reports import WholeHub, among


class GoldLineReportRepo(Repo):
    async def nhs_numbers(self, person_ids: Sequence[int]) -> dict[int, str | None]:
        """The NHS number (or None) of each of these people: the callers of Gold Line calls
        the caller's scope already let the report read, to count the people supported."""
        if not person_ids:
            return {}
        stmt = select(col(Person.id), col(Person.nhs_number)).where(
            col(Person.id).in_(list(person_ids))
        )
        return {
            person: number for person, number in (await self.session.exec(stmt)).all() if person
        }

    async def month_deaths(
        self, scope: Scope, *, site_ids: Sequence[int] | WholeHub, first: date, last: date
    ) -> Sequence[Any]:
        """(site, person, died_on, place, version, recorded_at, preferred_place_of_death):
        one row per version of the register entry of each person whose current death (the
        latest correction) is between ``first`` and ``last`` (inclusive) and who is on the
        register at one of the sites; only people on the register have a row."""
        if not isinstance(site_ids, WholeHub) and not site_ids:
            return []
        stmt = (
            select_columns(  # seven columns: more than sqlmodel's select is typed for
                col(Person.site_id),
                col(Death.person_id),
                col(Death.died_on),
                col(Death.place),
                col(PalliativeEntry.version),
                col(PalliativeEntry.recorded_at),
                col(PalliativeEntry.preferred_place_of_death),
            )
            .join(Person, col(Person.id) == col(Death.person_id))
            .join(PalliativeEntry, col(PalliativeEntry.person_id) == col(Death.person_id))
            .where(
                col(Death.died_on) >= first,
                col(Death.died_on) <= last,
                among(site_ids, col(Person.site_id)),
                scope.site_clause(Person.site_id),
                is_current_death(),  # a corrected death counts once, as corrected
            )
            .order_by(col(Death.person_id), col(PalliativeEntry.version))
        )
        return (await self.session.exec(stmt)).all()  # type: ignore[call-overload]
