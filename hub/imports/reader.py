"""Reading an import CSV: UTF-8 (a byte-order mark is allowed), a header row naming exactly
the expected columns in any order, then one record per row with its line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], None]
"""Called with (bytes read so far, bytes in the file)."""


class FileRefused(Exception):
    """The file as a whole cannot be read (wrong header, not UTF-8); nothing is imported."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: io.BufferedReader, total: int, progress: Progress | None) -> None:
        self.raw = raw
        self.total = total
        self.done = 0
        self.progress = progress
        self._reported = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        self.done += count
        if self.progress is not None and self.done - self._reported >= 1 << 20:
            self._reported = self.done
            self.progress(self.done, self.total)
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


def records(
    path: Path,
    columns: list[str],
    progress: Progress | None = None,
    optional: Collection[str] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each data row; blank lines are passed over. A
    column in ``optional`` may be left out of the header: it is then empty in every row."""
    total = path.stat().st_size
    counting = _CountingReader(path.open("rb"), total, progress)
    text = io.TextIOWrapper(io.BufferedReader(counting, 1 << 20), encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            raise FileRefused(1, "the file is not UTF-8 text") from None
        if header is None:
            raise FileRefused(1, "the file is empty; expected a header row")
        names = [h.strip().lower() for h in header]
        missing = [c for c in columns if c not in names and c not in optional]
        absent = {c: "" for c in columns if c not in names and c in optional}
        unknown = [n for n in names if n not in columns]
        if missing or unknown or len(set(names)) != len(names):
            parts = []
            if missing:
                parts.append("missing column(s) " + ", ".join(missing))
            if unknown:
                parts.append("unknown column(s) " + ", ".join(unknown))
            if len(set(names)) != len(names):
                parts.append("a column is named twice")
            raise FileRefused(1, "; ".join(parts) + ". Expected: " + ", ".join(columns))
        width = len(names)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                raise FileRefused(reader.line_num + 1, "the file is not UTF-8 text") from None
            except csv.Error as exc:
                raise FileRefused(reader.line_num, f"not readable as CSV: {exc}") from None
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                yield reader.line_num, {"__width__": f"{len(fields)} fields, expected {width}"}
                continue
            row = dict(zip(names, fields, strict=True))
            if absent:
                row.update(absent)
            yield reader.line_num, row
        if progress is not None:
            progress(total, total)
    finally:
        text.close()
