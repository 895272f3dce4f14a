"""Reading and changing a person's palliative register entry, and recording their death.

Every read and every change is audited (ids only, never the entry's contents); a change is a
new version, so the history is the record. Hub nurses and clinical leads change the entry;
every hub role reads it, as it reads the rest of the person's record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.clock import Clock, london_date
from hub.errors import Conflict, InvalidInput
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.palliative import ALREADY_RECORDED, CORRECTED, PalliativeRepo
from hub.storage.scope import Scope
from hub.storage.tables import Death, PalliativeEntry
from schemas.codes import Role
from schemas.palliative import (
    DeathCorrection,
    DeathCreate,
    DeathPublic,
    PalliativeRecord,
    RegisterChange,
    RegisterFields,
    RegisterSource,
    RegisterVersion,
)

EDITORS = (Role.HUB_NURSE, Role.CLINICAL_LEAD)
"""Who changes the register and records a death on the console."""

RACED = "The register entry was changed by someone else; reload it to see their change"


def entry_of(
    person_id: int,
    fields: RegisterFields,
    source: RegisterSource,
    user_id: int | None,
    at: datetime,
) -> PalliativeEntry:
    """A new version's row (its number is set when it is added)."""
    return PalliativeEntry(
        person_id=person_id,
        version=0,
        source=source.value,
        recorded_by=user_id,
        recorded_at=at,
        **values_of(fields),
    )


def values_of(fields: RegisterFields) -> dict[str, Any]:
    """The register's fields alone (an import row, a subclass, carries its keys too)."""
    return fields.model_dump(include=set(RegisterFields.model_fields))


def same_fields(entry: PalliativeEntry, fields: RegisterFields) -> bool:
    """Whether a stored version already says what ``fields`` says."""
    return values_of(fields_of(entry)) == values_of(fields)


def check_dates(fields: RegisterFields, today: date) -> None:
    for name in ("joined_on", "respect_date", "anticipatory_medicines_date"):
        value = getattr(fields, name)
        if value is not None and value > today:
            raise InvalidInput("This date is in the future", field=name)


def fields_of(entry: PalliativeEntry) -> RegisterFields:
    return RegisterFields.model_validate(entry, from_attributes=True)


def death_of(
    person_id: int, body: DeathCreate, user_id: int | None, at: datetime, *, reason: str | None
) -> Death:
    """A death's row as the console records it (its version is set when it is added);
    ``reason`` is a correction's."""
    return Death(
        person_id=person_id,
        died_on=body.died_on,
        place=body.place.value,
        reason=reason,
        source=RegisterSource.CONSOLE.value,
        recorded_by=user_id,
        recorded_at=at,
    )


def check_died_on(body: DeathCreate, today: date) -> None:
    if body.died_on > today:
        raise InvalidInput("The day of death is in the future", field="died_on")


async def _note_register(
    audit: AuditRepo,
    scope: Scope,
    action: str,
    person_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit ``action`` on the person's register entry: ids and versions, never contents."""
    await audit.note(
        scope,
        action,
        target_type="palliative_register",
        target_id=person_id,
        person_id=person_id,
        detail=detail,
    )


class PalliativeService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(self, scope: Scope, person_id: int) -> PalliativeRecord:
        """The person's entry: the current version, the history, the death."""
        scope.require_hub()
        async with self.db.session() as s:
            repo = PalliativeRepo(s, self.clock)
            versions = await repo.versions(scope, person_id=person_id)
            death = await repo.death(scope, person_id=person_id)
            deaths = await repo.death_versions(scope, person_id=person_id)
            await _note_register(AuditRepo(s, self.clock), scope, "read", person_id)
        history = [_public(entry, name) for entry, name in versions]
        return PalliativeRecord(
            person_id=person_id,
            current=history[0] if history else None,
            history=history,
            death=None if death is None else _death_public(*death),
            death_history=[_death_public(*version) for version in deaths],
        )

    async def change(self, scope: Scope, person_id: int, body: RegisterChange) -> PalliativeRecord:
        """Add the next version of the entry (the first puts the person on the register)."""
        scope.require(*EDITORS)
        check_dates(body, london_date(self.clock.now()))
        try:
            async with self.db.session() as s:
                entry = await PalliativeRepo(s, self.clock).add_version(
                    scope,
                    entry_of(
                        person_id, body, RegisterSource.CONSOLE, scope.user_id, self.clock.now()
                    ),
                    base_version=body.base_version,
                )
                await _note_register(
                    AuditRepo(s, self.clock),
                    scope,
                    "palliative_register_change",
                    person_id,
                    {"version": entry.version},
                )
        except IntegrityError:
            raise Conflict(RACED) from None
        return await self.record(scope, person_id)

    async def record_death(
        self, scope: Scope, person_id: int, body: DeathCreate
    ) -> PalliativeRecord:
        """Record the person's death (the day and the actual place), once: a change after
        that is a correction (``correct_death``)."""
        scope.require(*EDITORS)
        check_died_on(body, london_date(self.clock.now()))
        try:
            async with self.db.session() as s:
                await PalliativeRepo(s, self.clock).add_death(
                    scope, death_of(person_id, body, scope.user_id, self.clock.now(), reason=None)
                )
                await _note_register(AuditRepo(s, self.clock), scope, "death_record", person_id)
        except IntegrityError:
            raise Conflict(ALREADY_RECORDED) from None
        return await self.record(scope, person_id)

    async def correct_death(
        self, scope: Scope, person_id: int, body: DeathCorrection
    ) -> PalliativeRecord:
        """Correct the recorded death: a new version with its reason; the old one is kept
        and the reports read the new one. Audited with ids and versions only."""
        scope.require(*EDITORS)
        check_died_on(body, london_date(self.clock.now()))
        try:
            async with self.db.session() as s:
                death = await PalliativeRepo(s, self.clock).correct_death(
                    scope,
                    death_of(person_id, body, scope.user_id, self.clock.now(), reason=body.reason),
                    base_version=body.base_version,
                )
                await _note_register(
                    AuditRepo(s, self.clock),
                    scope,
                    "death_correction",
                    person_id,
                    {"death_id": death.id, "version": death.version},
                )
        except IntegrityError:
            raise Conflict(CORRECTED) from None
        return await self.record(scope, person_id)


def _public(entry: PalliativeEntry, name: str) -> RegisterVersion:
    return RegisterVersion.model_validate(
        {
            **fields_of(entry).model_dump(),
            "version": entry.version,
            "recorded_by_name": name,
            "recorded_at": entry.recorded_at,
            "source": entry.source,
        }
    )


def _death_public(death: Death, name: str) -> DeathPublic:
    return DeathPublic(
        version=death.version,
        died_on=death.died_on,
        place=death.place,  # type: ignore[arg-type]
        reason=death.reason,
        recorded_by_name=name,
        recorded_at=death.recorded_at,
        source=death.source,  # type: ignore[arg-type]
    )
