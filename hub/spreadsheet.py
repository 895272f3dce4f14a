"""Every CSV the hub writes goes through here, so no cell can run as a spreadsheet formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (CSV injection, e.g. a site imported as
``=HYPERLINK(...)``). Such a cell is written with a leading apostrophe, which spreadsheets
show as text and do not evaluate; the rest of the text is kept as it was.

A number is not a formula: a negative number (``-3``, ``-12.50``, ``-1.5e3``), whether it
arrives as a number or as the decimal string the JSON report holds, is written unchanged
and opens as a number. Anything else starting with ``-`` (``-1+2``, ``-A1``) is neutralised.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell that cannot be evaluated as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class DictWriter:
    """``csv.DictWriter`` with every cell (and the header) made safe; lines end in ``\\n``."""

    def __init__(self, out: TextIO, fieldnames: Collection[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")

    def writeheader(self) -> None:
        self.writerow({name: name for name in self._writer.fieldnames})

    def writerow(self, rowdict: Mapping[str, Any]) -> None:
        self._writer.writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


class Writer:
    """``csv.writer`` with every cell made safe; lines end in ``\\n``."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
