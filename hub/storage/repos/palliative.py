"""The palliative register: versions of a person's entry (only ever added, never updated) and
their death. Every method takes the scope first; a person is read only through the scope's
sites (and the scope's person, for a device enrolled to one)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from hub.errors import Conflict

from ..scope import Scope
from ..tables import Death, Organisation, PalliativeEntry, Person, User
from .base import Repo
from .people import PersonRepo

Recorded = tuple[PalliativeEntry, str]
"""A version and the name of who recorded it."""


ALREADY_RECORDED = (
    "A death is already recorded for this person; to change it, correct it (a new version"
    " with a reason, on the person's page or POST /api/residents/{person_id}/death/corrections)"
)
CORRECTED = "The death record was corrected by someone else; reload it to see their correction"


def is_current_death() -> ColumnElement[bool]:
    """A ``Death`` row that is its person's current death: no later version corrects it.
    Every read of "the" death (the register, the imports, the reports) filters by this."""
    newer = aliased(Death)
    return ~exists().where(
        col(newer.person_id) == col(Death.person_id), col(newer.version) > col(Death.version)
    )


def _who(name: str | None) -> str:
    return name or "Imported"


class PalliativeRepo(Repo):
    async def person(self, scope: Scope, *, person_id: int) -> Person:
        """The person, if the scope may read their record."""
        return await PersonRepo(self.session, self.clock).get(scope, person_id=person_id)

    async def versions(self, scope: Scope, *, person_id: int) -> list[Recorded]:
        """Every version of the person's entry, newest first."""
        await self.person(scope, person_id=person_id)
        rows = (
            await self.session.exec(
                select(PalliativeEntry, User.display_name)
                .outerjoin(User, col(User.id) == col(PalliativeEntry.recorded_by))
                .where(PalliativeEntry.person_id == person_id)
                .order_by(col(PalliativeEntry.version).desc())
            )
        ).all()
        return [(entry, _who(name)) for entry, name in rows]

    async def latest_version(self, scope: Scope, *, person_id: int) -> int:
        await self.person(scope, person_id=person_id)
        found = (
            await self.session.exec(
                select(func.max(PalliativeEntry.version)).where(
                    PalliativeEntry.person_id == person_id
                )
            )
        ).first()
        return int(found or 0)

    async def add_version(
        self, scope: Scope, entry: PalliativeEntry, *, base_version: int
    ) -> PalliativeEntry:
        """Add ``entry`` as the version after ``base_version``. If someone else added one
        since (the base is not the latest), nothing is written: Conflict (or, racing, the
        unique version's IntegrityError, which the service turns into the same)."""
        scope.require_hub()
        latest = await self.latest_version(scope, person_id=entry.person_id)
        if latest != base_version:
            raise Conflict(
                "The register entry was changed by someone else; reload it to see their change"
            )
        entry.version = base_version + 1
        self.session.add(entry)
        await self.session.flush()  # two racing at once: the loser's IntegrityError
        return entry

    async def death(self, scope: Scope, *, person_id: int) -> tuple[Death, str] | None:
        """The person's current death record (``current_deaths``) and who recorded it."""
        await self.person(scope, person_id=person_id)
        current = (await self.current_deaths(scope, person_ids=[person_id])).get(person_id)
        if current is None:
            return None
        user = (
            None
            if current.recorded_by is None
            else await self.session.get(User, current.recorded_by)
        )
        return current, _who(None if user is None else user.display_name)

    async def death_versions(self, scope: Scope, *, person_id: int) -> list[tuple[Death, str]]:
        """Every version of the person's death record, newest (the current one) first."""
        await self.person(scope, person_id=person_id)
        rows = (
            await self.session.exec(
                select(Death, User.display_name)
                .outerjoin(User, col(User.id) == col(Death.recorded_by))
                .where(Death.person_id == person_id)
                .order_by(col(Death.version).desc())
            )
        ).all()
        return [(death, _who(name)) for death, name in rows]

    async def add_death(self, scope: Scope, death: Death) -> Death:
        """Record a death, the first time: a second record of one person's death is refused
        (a change is a correction, ``correct_death``)."""
        scope.require_hub()
        await self.person(scope, person_id=death.person_id)
        if await self.death(scope, person_id=death.person_id) is not None:
            raise Conflict(ALREADY_RECORDED)
        death.version = 1
        self.session.add(death)
        await self.session.flush()
        return death

    async def correct_death(self, scope: Scope, death: Death, *, base_version: int) -> Death:
        """Add ``death`` as the version after ``base_version``, which must be the current
        one (else Conflict, or racing, the unique version's IntegrityError); the earlier
        versions are kept."""
        scope.require_hub()
        current = await self.death(scope, person_id=death.person_id)
        if current is None:
            raise Conflict("No death is recorded for this person: record it first")
        if current[0].version != base_version:
            raise Conflict(CORRECTED)
        death.version = base_version + 1
        self.session.add(death)
        await self.session.flush()
        return death

    async def on_register(
        self, scope: Scope, *, nhs_numbers: Collection[str]
    ) -> dict[str, list[int]]:
        """The people on the register with each of these NHS numbers (usually one each)."""
        scope.require_hub()
        if not nhs_numbers:
            return {}
        rows = (
            await self.session.exec(
                select(Person.nhs_number, Person.id)
                .where(
                    col(Person.nhs_number).in_(list(nhs_numbers)),
                    scope.site_clause(Person.site_id),
                    col(Person.id).in_(select(PalliativeEntry.person_id)),
                )
                .order_by(col(Person.id))
            )
        ).all()
        found: dict[str, list[int]] = {}
        for number, person_id in rows:
            if person_id is not None:
                found.setdefault(number, []).append(person_id)
        return found

    async def people_at_sites(
        self, scope: Scope, *, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        """Person ids by (site ODS code, NHS number), for those registered."""
        scope.require_hub()
        numbers = list({number for _, number in keys})
        if not numbers:
            return {}
        rows = (
            await self.session.exec(
                select(Organisation.ods_code, Person.nhs_number, Person.id)
                .join(Organisation, col(Organisation.id) == col(Person.site_id))
                .where(col(Person.nhs_number).in_(numbers), scope.site_clause(Person.site_id))
            )
        ).all()
        return {
            (ods, number): pid
            for ods, number, pid in rows
            if pid is not None and (ods, number) in keys
        }

    async def latest_versions(
        self, scope: Scope, *, person_ids: Sequence[int]
    ) -> dict[int, PalliativeEntry]:
        """The current version of each of these people's entries."""
        scope.require_hub()
        if not person_ids:
            return {}
        newest = (
            select(PalliativeEntry.person_id, func.max(PalliativeEntry.version).label("v"))
            .where(col(PalliativeEntry.person_id).in_(list(person_ids)))
            .group_by(col(PalliativeEntry.person_id))
            .subquery()
        )
        rows = (
            await self.session.exec(
                select(PalliativeEntry).join(
                    newest,
                    (newest.c.person_id == PalliativeEntry.person_id)
                    & (newest.c.v == PalliativeEntry.version),
                )
            )
        ).all()
        return {entry.person_id: entry for entry in rows}

    async def current_deaths(
        self,
        scope: Scope,
        *,
        person_ids: Sequence[int] | None = None,
        died_from: date | None = None,
        died_before: date | None = None,
    ) -> dict[int, Death]:
        """THE current death of each person (the latest version of their death record;
        earlier versions are corrected ones), by person id, for people at the scope's sites:
        optionally only these people, and only deaths on days in [died_from, died_before).
        Every read of "the" death (the register, the imports, the reports) goes through
        this query."""
        scope.require_hub()
        if person_ids is not None and not person_ids:
            return {}
        query = (
            select(Death)
            .join(Person, col(Person.id) == col(Death.person_id))
            .where(scope.site_clause(Person.site_id), is_current_death())
        )
        if person_ids is not None:
            query = query.where(col(Death.person_id).in_(list(person_ids)))
        if died_from is not None:
            query = query.where(col(Death.died_on) >= died_from)
        if died_before is not None:
            query = query.where(col(Death.died_on) < died_before)
        rows = (await self.session.exec(query)).all()
        return {death.person_id: death for death in rows}
