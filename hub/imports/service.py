"""Running an import: read and check every row, write in bulk inside one transaction, and
commit only if every row was valid (or ``skip_invalid`` was asked for). The summary says how
many rows were imported, updated, already present and skipped, and names each invalid row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock
from hub.errors import problems
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.scope import Scope
from schemas.imports import ROWS, ImportKind, ImportSummary, RowError

from .reader import FileRefused, Progress, records

Records = Iterator[tuple[int, dict[str, str]]]


R = TypeVar("R", bound=BaseModel)


@dataclass
class Tally:
    """What an import has done so far."""

    kind: ImportKind
    rows: int = 0
    imported: int = 0
    updated: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_sites: list[str] = field(default_factory=list)

    def invalid(self, line: int, reason: str) -> None:
        self.errors.append(RowError(line=line, reason=reason))

    def parse(self, line: int, raw: dict[str, str], model: type[R]) -> R | None:
        """The row as ``model``, or None with the reason recorded against its line."""
        row = parse_row(line, raw, model)
        if isinstance(row, str):
            self.invalid(line, row)
            return None
        return row


def parse_row(line: int, raw: dict[str, str], model: type[R]) -> R | str:
    """The row as ``model``, or the reason it is invalid."""
    if "__width__" in raw:
        return raw["__width__"]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        return reason_of(exc)


@dataclass(frozen=True)
class CsvSource:
    """The file being imported, with the columns its header must name."""

    path: Path
    columns: list[str]
    progress: Progress | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def records(self) -> Records:
        return records(self.path, self.columns, self.progress)


class Importer(Protocol):
    async def __call__(self, session: AsyncSession, source: CsvSource) -> None: ...


def reason_of(exc: ValidationError) -> str:
    """The row's problems, each naming its column (values are not echoed: they may be
    identifiable)."""
    return "; ".join(str(problem) for problem in problems(exc, limit=3))


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
                await importer(s, CsvSource(path, ROWS[kind].columns(), progress))
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
            errors=tally.errors,
            written=True,
        )

    def _importer(
        self, scope: Scope, kind: ImportKind, tally: Tally, skip_invalid: bool
    ) -> Importer:
        from .activity import ActivityImport
        from .calls import CallImport
        from .sites import SiteImport

        match kind:
            case ImportKind.CALLS:
                return CallImport(scope, self.clock, self.settings, tally, skip_invalid)
            case ImportKind.ACTIVITY:
                return ActivityImport(scope, self.clock, tally)
            case ImportKind.SITES:
                return SiteImport(scope, self.clock, tally)
