"""Importing sites keyed by ODS code: a new code is added, a known site is updated to the
row's name, kind, beds, commissioner and go-live date. An unknown commissioner is created
(named by its ODS code until someone renames it)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock
from hub.storage.repos.imports import ImportRepo
from hub.storage.scope import Scope
from hub.storage.tables import Organisation
from schemas.codes import OrganisationKind
from schemas.imports import SiteRow

from .source import CsvSource, Tally


class SiteImport:
    def __init__(self, scope: Scope, clock: Clock, tally: Tally) -> None:
        self.scope = scope
        self.clock = clock
        self.tally = tally

    async def __call__(self, session: AsyncSession, source: CsvSource) -> None:
        repo = ImportRepo(session, self.clock)
        organisations = await repo.organisations(self.scope)
        seen: dict[str, int] = {}
        for line, raw in source.records():
            self.tally.rows += 1
            row = self.tally.parse(line, raw, SiteRow)
            if row is None:
                continue
            first = seen.setdefault(row.site_ods, line)
            if first != line:
                self.tally.invalid(line, f"site_ods {row.site_ods} is already on line {first}")
                continue
            problem = self._problem(organisations, row)
            if problem:
                self.tally.invalid(line, problem)
                continue
            commissioner = organisations.get(row.commissioner_ods)
            if commissioner is None:
                commissioner = await repo.add_organisation(
                    self.scope,
                    Organisation(
                        ods_code=row.commissioner_ods,
                        name=row.commissioner_ods,
                        kind=OrganisationKind.COMMISSIONER.value,
                        created_at=self.clock.now(),
                    ),
                )
                organisations[row.commissioner_ods] = commissioner
                self.tally.created_sites.append(row.commissioner_ods)
            wanted: dict[str, Any] = {
                "name": row.name,
                "kind": row.site_kind.value,
                "registered_beds": row.beds,
                "commissioner_id": commissioner.id,
                "go_live": row.go_live,
            }
            site = organisations.get(row.site_ods)
            if site is None:
                site = await repo.add_organisation(
                    self.scope,
                    Organisation(ods_code=row.site_ods, created_at=self.clock.now(), **wanted),
                )
                organisations[row.site_ods] = site
                self.tally.imported += 1
            elif all(getattr(site, k) == v for k, v in wanted.items()):
                self.tally.already_present += 1
            else:
                for name, value in wanted.items():
                    setattr(site, name, value)
                await repo.save(self.scope, site)
                self.tally.updated += 1

    @staticmethod
    def _problem(organisations: dict[str, Organisation], row: SiteRow) -> str | None:
        site = organisations.get(row.site_ods)
        if site is not None and not OrganisationKind(site.kind).is_site:
            return f"site_ods: {row.site_ods} is a {site.kind}, not a site"
        commissioner = organisations.get(row.commissioner_ods)
        if commissioner is not None and commissioner.kind != OrganisationKind.COMMISSIONER:
            return f"commissioner_ods: {row.commissioner_ods} is a {commissioner.kind}"
        return None
