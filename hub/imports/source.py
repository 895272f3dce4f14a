"""What every import reads and counts: the CSV being imported, the tally of what was done,
and each row checked against its model (the reason it is invalid, never its values)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import problems
from schemas.imports import ImportKind, RowError

from .reader import Progress, records

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
    converted_failures: int = 0  # call rows given as call_failed_technical (calls.py)
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
    optional: list[str] = field(default_factory=list)  # columns the header may leave out

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def records(self) -> Records:
        return records(self.path, self.columns, self.progress, self.optional)


class Importer(Protocol):
    async def __call__(self, session: AsyncSession, source: CsvSource) -> None: ...


def reason_of(exc: ValidationError) -> str:
    """The row's problems, each naming its column (values are not echoed: they may be
    identifiable)."""
    return "; ".join(str(problem) for problem in problems(exc, limit=3))
