"""Importing hospital activity per site per month. The (site, month) pair is the key: a new
pair is added, a pair with new figures is updated, an identical one changes nothing. The
site must already be known (import sites first)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock
from hub.storage.repos.imports import ImportRepo
from hub.storage.scope import Scope
from schemas.codes import OrganisationKind
from schemas.imports import ActivityRow

from .source import CsvSource, Tally

FIGURES = ("ed_attendances", "emergency_admissions", "bed_days", "residents")


class ActivityImport:
    def __init__(self, scope: Scope, clock: Clock, tally: Tally) -> None:
        self.scope = scope
        self.clock = clock
        self.tally = tally

    async def __call__(self, session: AsyncSession, source: CsvSource) -> None:
        repo = ImportRepo(session, self.clock)
        organisations = await repo.organisations(self.scope)
        stored = await repo.activity(self.scope)
        seen: dict[tuple[int, str], int] = {}
        new: list[dict[str, Any]] = []
        for line, raw in source.records():
            self.tally.rows += 1
            row = self.tally.parse(line, raw, ActivityRow)
            if row is None:
                continue
            site = organisations.get(row.site_ods)
            if site is None or site.id is None or not OrganisationKind(site.kind).is_site:
                self.tally.invalid(line, f"site_ods: no site {row.site_ods}; import sites first")
                continue
            key = (site.id, row.month)
            first = seen.setdefault(key, line)
            if first != line:
                self.tally.invalid(line, f"{row.site_ods} {row.month} is already on line {first}")
                continue
            figures = {name: getattr(row, name) for name in FIGURES}
            existing = stored.get(key)
            if existing is None:
                new.append(
                    {"site_id": site.id, "month": row.month, "imported_at": self.clock.now()}
                    | figures
                )
                self.tally.imported += 1
            elif all(getattr(existing, k) == v for k, v in figures.items()):
                self.tally.already_present += 1
            else:
                for name, value in figures.items():
                    setattr(existing, name, value)
                existing.imported_at = self.clock.now()
                await repo.save(self.scope, existing)
                self.tally.updated += 1
        await repo.add_activity(self.scope, new)
