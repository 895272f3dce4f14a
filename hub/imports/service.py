"""Running an import: read and check every row, write in bulk inside one transaction, and
commit only if every row was valid (or ``skip_invalid`` was asked for). The summary says how
many rows were imported, updated, already present and skipped, and names each invalid row.
"""

from __future__ import annotations

from pathlib import Path

from hub.clock import Clock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.scope import Scope
from schemas.imports import ROWS, ImportKind, ImportSummary, RowError

from .activity import ActivityImport
from .calls import CallImport
from .reader import FileRefused, Progress
from .register import DeathImport, RegisterImport
from .sites import SiteImport
from .source import CsvSource, Importer, Tally


class _Abandon(Exception):
    """Invalid rows and no skip_invalid: roll the whole file back."""


class ImportService:
    def __init__(self, db: Database, clock: Clock, settings: HubSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    async def run(
        self,
        scope: Scope,
        kind: ImportKind,
        path: Path,
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
    ) -> ImportSummary:
        scope.require_admin()
        tally = Tally(kind)
        importer = self._importer(scope, kind, tally, skip_invalid)
        written = False
        try:
            async with self.db.session() as s:
                row = ROWS[kind]
                source = CsvSource(path, row.columns(), progress, row.optional_columns())
                await importer(s, source)
                if tally.errors and not skip_invalid:
                    raise _Abandon
                await AuditRepo(s, self.clock).note(
                    scope,
                    f"import_{kind.value}",
                    detail={"rows": tally.rows, "imported": tally.imported},
                )
            written = True
        except _Abandon:
            pass
        except FileRefused as exc:
            tally.errors = [RowError(line=exc.line, reason=exc.reason)]
        if not written:
            return ImportSummary(
                kind=kind,
                rows=tally.rows,
                imported=0,
                updated=0,
                already_present=0,
                skipped=0,
                errors=tally.errors,
                written=False,
            )
        return ImportSummary(
            kind=kind,
            rows=tally.rows,
            imported=tally.imported,
            updated=tally.updated,
            already_present=tally.already_present,
            skipped=len(tally.errors),
            created_sites=tally.created_sites,
            converted_failures=tally.converted_failures,
            errors=tally.errors,
            written=True,
        )

    def _importer(
        self, scope: Scope, kind: ImportKind, tally: Tally, skip_invalid: bool
    ) -> Importer:
        match kind:
            case ImportKind.CALLS:
                return CallImport(scope, self.clock, self.settings, tally, skip_invalid)
            case ImportKind.ACTIVITY:
                return ActivityImport(scope, self.clock, tally)
            case ImportKind.SITES:
                return SiteImport(scope, self.clock, tally)
            case ImportKind.REGISTER:
                return RegisterImport(scope, self.clock, tally)
            case ImportKind.DEATHS:
                return DeathImport(scope, self.clock, tally)
