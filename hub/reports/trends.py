"""Monthly series for the XmR charts, and the engagement watch. Pure.

A home's series runs over the trend window (the 24 months ending with the report month),
starting no earlier than its go-live month (or, without one, its first month with a call),
with months without calls counted as 0. A home is on *engagement watch* when the report
month's call count is a special-cause point on the low side: below the mean, or the end of
a falling trend (NHS Making Data Count rules, ``hub.reports.spc``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date

from hub.reports import months
from hub.reports.spc import Rule, Variation, XmrChart, xmr_chart
from schemas.reports import SpcChart, SpcPoint

TREND_MONTHS = 24
SCREEN_OUTLIERS = True
"""The report screens moving ranges as NHSRplotthedots does by default (see
docs/report-method.md §4): one month's outbreak or outage must not widen the limits for every
other month and hide the decline the engagement watch looks for."""


def window(report_month: str) -> tuple[str, str]:
    return months.shift(report_month, -(TREND_MONTHS - 1)), report_month


def series_months(report_month: str, *, go_live: date | None, active: Sequence[str]) -> list[str]:
    """The months a home's chart covers; empty when it has nothing to show."""
    first, last = window(report_month)
    if go_live is not None:
        start = max(first, months.of(go_live))
    elif active:
        start = max(first, min(active))
    else:
        return []
    return list(_span(start, last))


@functools.lru_cache(maxsize=1024)
def _span(first: str, last: str) -> tuple[str, ...]:
    """``months.span``, kept: a report's thousands of homes share a few dozen spans."""
    return tuple(months.span(first, last))


def declining(chart: XmrChart) -> bool:
    """The latest point is special cause on the low side (below the mean, or falling)."""
    latest = chart.points[-1]
    if not latest.special_cause:
        return False
    if latest.value < chart.mean:
        return True
    falling = len(chart.points) > 1 and latest.value < chart.points[-2].value
    return Rule.TREND in latest.rules and falling


def _low_signal(chart: XmrChart, i: int) -> bool:
    """Point i is special cause on the low side: below the mean, or in a falling trend."""
    point = chart.points[i]
    if not point.special_cause:
        return False
    if point.value < chart.mean:
        return True
    falling = i + 1 < len(chart.points) and chart.points[i + 1].value < point.value
    return Rule.TREND in point.rules and falling


def watch_since(chart: XmrChart, series_months: Sequence[str]) -> str | None:
    """The month the home's current fall began (YYYY-MM): the first of the unbroken run of
    low special-cause points that ends with the report month; None when not on watch."""
    if not declining(chart):
        return None
    start = len(chart.points) - 1
    while start > 0 and _low_signal(chart, start - 1):
        start -= 1
    return series_months[start]


def spc(title: str, series_months: Sequence[str], values: Mapping[str, float]) -> XmrChart | None:
    if len(series_months) < 2:
        return None
    return xmr_chart(
        [values.get(m, 0) for m in series_months], counts=True, screen_outliers=SCREEN_OUTLIERS
    )


def as_model(title: str, series_months: Sequence[str], chart: XmrChart | None) -> SpcChart | None:
    """The chart as the report's model, validated in one call (a report has hundreds). Its
    points are shared between charts (``_point``)."""
    if chart is None:
        return None
    return SpcChart.model_validate(
        {
            "title": title,
            "points": [
                _point(month, point.value, point.rules, point.variation)
                for month, point in zip(series_months, chart.points, strict=True)
            ],
            "mean": chart.mean,
            "lower_limit": chart.lower_limit,
            "upper_limit": chart.upper_limit,
            "variation": chart.variation.value,
            "rule_variant": chart.rule_variant,
            "baseline_note": chart.baseline_note,
        }
    )


@functools.lru_cache(maxsize=65_536)
def _point(month: str, value: float, rules: frozenset[Rule], variation: Variation) -> SpcPoint:
    """One point of a chart, made once: points are frozen models, and the charts of a
    hub's thousands of homes are mostly made of the same few thousand points (the same
    month, count and signals). ``value`` is always a float (``xmr_chart``)."""
    return SpcPoint(
        month=month,
        value=value,
        special_cause=bool(rules),
        rules=list(_rule_names(rules)),
        variation=variation.value,
    )


@functools.cache
def _rule_names(rules: frozenset[Rule]) -> tuple[str, ...]:
    return tuple(sorted(rule.value for rule in rules))
