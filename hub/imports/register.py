"""Importing the palliative (Gold Line) register and the deaths of people on it.

register: a person by site ODS code and NHS number, who must be registered at that site; a
row that says what the current version says changes nothing, any other adds a new version
(never an overwrite). deaths: a person on the register by NHS number; the death is recorded
once (the same death as the current record changes nothing; a different one is an invalid
row whose error says to correct it on the console, where a correction has a reason). Either way
the whole file is one transaction: nothing is written unless every row is valid."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, london_date
from hub.errors import InvalidInput
from hub.palliative.register import check_dates, entry_of, same_fields
from hub.storage.repos.palliative import PalliativeRepo
from hub.storage.scope import Scope
from hub.storage.tables import Death
from schemas.imports import DeathRow, RegisterRow
from schemas.palliative import RegisterSource

from .source import CsvSource, R, Tally

DIFFERENT_DEATH = (
    "nhs_number: a different death is already recorded; an import does not correct one:"
    " correct it on the person's page on the console (a correction, with its reason)"
)


class _FileImport:
    """One file's rows, each parsed as its model (a bad row is tallied with its line)."""

    def __init__(self, scope: Scope, clock: Clock, tally: Tally) -> None:
        self.scope = scope
        self.clock = clock
        self.tally = tally

    def parsed(self, source: CsvSource, model: type[R]) -> list[tuple[int, R]]:
        rows: list[tuple[int, R]] = []
        for line, raw in source.records():
            self.tally.rows += 1
            row = self.tally.parse(line, raw, model)
            if row is not None:
                rows.append((line, row))
        return rows


class RegisterImport(_FileImport):
    async def __call__(self, session: AsyncSession, source: CsvSource) -> None:
        repo = PalliativeRepo(session, self.clock)
        parsed = self.parsed(source, RegisterRow)
        people = await repo.people_at_sites(
            self.scope, keys={(row.site_ods, row.nhs_number) for _, row in parsed}
        )
        current = await repo.latest_versions(self.scope, person_ids=list(people.values()))
        today = london_date(self.clock.now())
        seen: dict[int, int] = {}
        for line, row in parsed:
            person_id = people.get((row.site_ods, row.nhs_number))
            if person_id is None:
                self.tally.invalid(
                    line, f"nhs_number: no one with this NHS number is registered at {row.site_ods}"
                )
                continue
            first = seen.setdefault(person_id, line)
            if first != line:
                self.tally.invalid(line, f"nhs_number: this person is already on line {first}")
                continue
            try:
                check_dates(row, today)
            except InvalidInput as exc:
                self.tally.invalid(line, f"{exc.field}: {exc}")
                continue
            stored = current.get(person_id)
            if stored is not None and same_fields(stored, row):
                self.tally.already_present += 1
                continue
            await repo.add_version(
                self.scope,
                entry_of(person_id, row, RegisterSource.IMPORT, None, self.clock.now()),
                base_version=stored.version if stored else 0,
            )
            if stored is None:
                self.tally.imported += 1
            else:
                self.tally.updated += 1


class DeathImport(_FileImport):
    async def __call__(self, session: AsyncSession, source: CsvSource) -> None:
        repo = PalliativeRepo(session, self.clock)
        parsed = self.parsed(source, DeathRow)
        on_register = await repo.on_register(
            self.scope, nhs_numbers={row.nhs_number for _, row in parsed}
        )
        known = await repo.current_deaths(
            self.scope, person_ids=[pid for ids in on_register.values() for pid in ids]
        )
        today = london_date(self.clock.now())
        seen: dict[int, int] = {}
        for line, row in parsed:
            ids = on_register.get(row.nhs_number, [])
            if len(ids) != 1:
                self.tally.invalid(
                    line,
                    "nhs_number: "
                    + (
                        "no one with this NHS number is on the palliative register"
                        if not ids
                        else "this NHS number is on the register at more than one site"
                    ),
                )
                continue
            person_id = ids[0]
            first = seen.setdefault(person_id, line)
            if first != line:
                self.tally.invalid(line, f"nhs_number: this person is already on line {first}")
                continue
            if row.died_on > today:
                self.tally.invalid(line, "died_on: the day of death is in the future")
                continue
            stored = known.get(person_id)
            if stored is not None:
                if (stored.died_on, stored.place) == (row.died_on, row.place.value):
                    self.tally.already_present += 1
                else:
                    self.tally.invalid(line, DIFFERENT_DEATH)
                continue
            await repo.add_death(
                self.scope,
                Death(
                    person_id=person_id,
                    died_on=row.died_on,
                    place=row.place.value,
                    source=RegisterSource.IMPORT.value,
                    recorded_at=self.clock.now(),
                ),
            )
            self.tally.imported += 1
