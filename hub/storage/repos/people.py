from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlmodel import col, func, or_, select

from hub.errors import Forbidden, InvalidInput, NotFound
from schemas.api import PersonCreate

from ..scope import Scope
from ..tables import Call, Person
from .base import Repo


class PersonRepo(Repo):
    async def get(self, scope: Scope, *, person_id: int) -> Person:
        scope.require_clinical()
        person = (
            await self.session.exec(
                select(Person).where(
                    Person.id == person_id,
                    scope.site_clause(Person.site_id),
                    scope.person_clause(Person.id),
                )
            )
        ).first()
        if person is None:
            raise NotFound("No such resident")
        return person

    async def search(
        self, scope: Scope, *, site_id: int | None = None, text: str | None = None, limit: int = 50
    ) -> Sequence[Person]:
        """Residents by name or NHS number, most recently called first."""
        scope.require_clinical()
        scope.require_site_wide()
        last_call = (
            select(col(Call.person_id), func.max(Call.started_at).label("last_call"))
            .group_by(col(Call.person_id))
            .subquery()
        )
        stmt = (
            select(Person)
            .outerjoin(last_call, last_call.c.person_id == Person.id)
            .where(scope.site_clause(Person.site_id))
        )
        if site_id is not None:
            stmt = stmt.where(Person.site_id == site_id)
        if text:
            pattern = f"%{text.strip().lower()}%"
            digits = "".join(ch for ch in text if ch.isdigit())
            clauses: list[ColumnElement[bool]] = [
                func.lower(Person.family_name).like(pattern),
                func.lower(Person.given_name).like(pattern),
            ]
            if digits:
                clauses.append(col(Person.nhs_number).like(f"{digits}%"))
            clauses.append(col(Person.prison_number) == text.strip().upper())
            stmt = stmt.where(or_(*clauses))
        stmt = stmt.order_by(
            last_call.c.last_call.desc().nulls_last(), Person.family_name, Person.given_name
        ).limit(limit)
        return (await self.session.exec(stmt)).all()

    async def at_site(self, scope: Scope, *, site_id: int, nhs_number: str) -> Person:
        """The person with this NHS number registered at this site."""
        scope.require_clinical()
        person = (
            await self.session.exec(
                select(Person).where(
                    Person.site_id == site_id,
                    Person.nhs_number == nhs_number,
                    scope.site_clause(Person.site_id),
                    scope.person_clause(Person.id),
                )
            )
        ).first()
        if person is None:
            raise NotFound("No one with this NHS number is registered at this site")
        return person

    async def create(self, scope: Scope, data: PersonCreate) -> Person:
        scope.require_clinical()
        scope.require_site_wide()
        if not scope.is_hub and data.site_id != scope.organisation_id:
            raise Forbidden("You can only add residents to your own site")
        # A site is told only about its own residents. The hub sees every site, so it is
        # told about a record anywhere (and keeps to one record per person itself).
        same = select(Person).where(Person.nhs_number == data.nhs_number)
        if not scope.is_hub:
            same = same.where(Person.site_id == data.site_id)
        clash = (await self.session.exec(same)).first()
        if clash is not None:
            where = "at this site" if clash.site_id == data.site_id else "at another site"
            raise InvalidInput(
                f"A person with this NHS number is already registered {where}",
                field="nhs_number",
            )
        if data.prison_number is not None:
            taken = select(Person).where(
                Person.site_id == data.site_id, Person.prison_number == data.prison_number
            )
            if (await self.session.exec(taken)).first() is not None:
                raise InvalidInput(
                    "A person with this prison number is already registered at this site",
                    field="prison_number",
                )
        person = Person(**data.model_dump(mode="python"), created_at=self.clock.now())
        person.resuscitation_status = data.resuscitation_status.value
        self.session.add(person)
        await self.session.flush()
        return person
