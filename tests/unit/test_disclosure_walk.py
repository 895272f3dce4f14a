"""Small-number suppression finds every count: the walk over a report skips only models
that cannot hold one (chart points), judged per class, and looks inside anything it cannot
judge."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

import schemas.reports as reports
from hub.reports.disclosure_walk import cells_of, may_hold_tally, opaque, put_back
from schemas.reports import SMALL, Count, Tally


def _report_models() -> list[type[BaseModel]]:
    return [
        c
        for c in vars(reports).values()
        if isinstance(c, type) and issubclass(c, BaseModel) and c.__module__ == reports.__name__
    ]


def test_the_walk_skips_exactly_the_models_whose_schema_holds_no_count() -> None:
    # The JSON schema names "<8" wherever a Tally can sit, however deep.
    for model in _report_models():
        holds = json.dumps(model.model_json_schema()).count(json.dumps(SMALL)) > 0
        assert may_hold_tally(model) is holds, model.__name__
    assert not may_hold_tally(reports.SpcChart)
    assert may_hold_tally(reports.MonthlyReport)


class _Loose(BaseModel):
    note: str
    anything: Any
    counts: list[Any]


class _Outer(BaseModel):
    direct: Tally
    loose: _Loose


def test_counts_behind_fields_typed_any_are_still_found() -> None:
    outer = _Outer(
        direct=3,
        loose=_Loose(
            note="x",
            anything=Count(code="a", label="A", count=5),
            counts=[Count(code="b", label="B", count=2)],
        ),
    )
    data = outer.model_dump(mode="json")
    found = {c.path: c.original for c in cells_of(outer, data, "")}
    assert found == {"direct": 3, "loose.anything.count": 5, "loose.counts.b.count": 2}


class _Chart(BaseModel):
    title: str
    points: list[float]


class _CountedChart(BaseModel):
    title: str
    count: Tally


class _Part(BaseModel):
    count: Tally
    chart: _Chart


class _Report(BaseModel):
    chart: _Chart | None
    counted: _CountedChart
    charts: list[_Chart]
    parts: list[_Part]
    total: Tally


def test_only_the_parts_that_cannot_hold_a_count_stay_models_in_the_json() -> None:
    # Suppression dumps a report without its count-free parts and puts those back as the
    # models they are; a chart that gains a count is dumped and walked like the rest.
    parts = opaque(_Report)
    assert parts == {"chart": True, "charts": True, "parts": {"__all__": {"chart": True}}}
    assert opaque(reports.MonthlyReport)["sites"] == {
        "__all__": {"spc_calls": True, "spc_avoided_admissions": True}
    }
    report = _Report(
        chart=_Chart(title="a", points=[1.0]),
        counted=_CountedChart(title="b", count=3),
        charts=[_Chart(title="c", points=[])],
        parts=[_Part(count=4, chart=_Chart(title="d", points=[2.0]))],
        total=5,
    )
    data = report.model_dump(mode="json", exclude=parts)
    assert "chart" not in data and data["counted"] == {"title": "b", "count": 3}
    put_back(report, data, parts)
    assert data["chart"] is report.chart and data["parts"][0]["chart"] is report.parts[0].chart
    found = {c.path: c.original for c in cells_of(report, data, "")}
    assert found == {"counted.count": 3, "parts.0.count": 4, "total": 5}
    assert _Report.model_validate(data) == report
