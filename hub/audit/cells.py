"""CSV the information-governance lead can open in a spreadsheet without running anything:
written through the hub's one CSV writer (``hub.spreadsheet``), which neutralises any cell a
spreadsheet would read as a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from hub.spreadsheet import Writer


def csv_text(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = Writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
