"""The report as CSV: one figure per row, so every number in the report is there and a
spreadsheet can filter and pivot it. Columns: month, commissioner, section, site_ods, item,
value. ``item`` is the figure's path in the JSON report (``avoided.admission.confirmed``);
rows of a list are keyed by their code, month or measure, per-site rows by ``site_ods``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from hub.spreadsheet import DictWriter
from schemas.reports import MonthlyReport

COLUMNS = ["month", "commissioner", "section", "site_ods", "item", "value"]
_KEYS = ("code", "month", "measure")


def rows(report: MonthlyReport) -> Iterator[dict[str, Any]]:
    data = report.model_dump(mode="json")
    head = {"month": report.month, "commissioner": report.commissioner or ""}
    for section, value in data.items():
        for site, item, figure in _flatten(value, "", ""):
            yield head | {"section": section, "site_ods": site, "item": item, "value": figure}


def _flatten(value: Any, site: str, path: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        if "ods" in value and not site:
            site = value["ods"]
        for key, inner in value.items():
            if key == "ods" and site == inner:
                continue
            yield from _flatten(inner, site, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            key = str(index)
            if isinstance(inner, dict):
                if "ods" in inner:
                    yield from _flatten(inner, inner["ods"], path)
                    continue
                name = next((k for k in _KEYS if k in inner), None)
                if name is not None:
                    key = str(inner[name])
                    inner = {k: v for k, v in inner.items() if k != name}
            yield from _flatten(inner, site, f"{path}.{key}" if path else key)
    else:
        yield site, path, "" if value is None else value


def render_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(rows(report))
    return out.getvalue()
