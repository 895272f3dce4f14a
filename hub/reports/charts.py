"""The report's SPC charts: each site's calls and avoided admissions per month over the
trend window, the whole area's, and the engagement watch drawn from the calls chart."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from hub.reports import trends
from hub.reports.inputs import ReportInputs
from hub.storage.tables import Organisation
from schemas.reports import WatchedHome

SiteCharts = dict[int, tuple[Any, Any, str | None]]


def monthly_admissions(data: ReportInputs) -> dict[int, dict[str, int]]:
    """Claimed avoided admissions per site per month over the trend window."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for month, site_id, _calls, admitted in data.trend:
        found[site_id][month] = admitted
    return found


def site_charts(data: ReportInputs, admissions: dict[int, dict[str, int]]) -> SiteCharts:
    """Each site's two charts (as report models) and the month its fall began, if any."""
    calls = calls_by_site_month(data.calls_per_site_month)
    charts: SiteCharts = {}
    for o in data.sites:
        assert o.id is not None
        span = trends.series_months(data.month, go_live=o.go_live, active=sorted(calls[o.id]))
        chart = trends.spc("Calls per month", span, calls[o.id])
        admitted = trends.spc("Avoided admissions claimed per month", span, admissions[o.id])
        charts[o.id] = (
            trends.as_model(f"Calls per month, {o.name}", span, chart),
            trends.as_model(f"Avoided admissions claimed per month, {o.name}", span, admitted),
            trends.watch_since(chart, span) if chart is not None else None,
        )
    return charts


def calls_by_site_month(rows: Sequence[tuple[str, int, int]]) -> dict[int, dict[str, int]]:
    calls: dict[int, dict[str, int]] = defaultdict(dict)
    for month, site_id, count in rows:
        calls[site_id][month] = count
    return calls


def watched_homes(
    month: str,
    commissioner: Organisation,
    sites: Sequence[Organisation],
    calls_per_site_month: Sequence[tuple[str, int, int]],
) -> list[WatchedHome]:
    """The engagement watch alone (the hub manager's page): each site's calls chart over
    the trend window, as the monthly report draws it."""
    calls = calls_by_site_month(calls_per_site_month)
    found = []
    for o in sites:
        assert o.id is not None
        span = trends.series_months(month, go_live=o.go_live, active=sorted(calls[o.id]))
        chart = trends.spc("Calls per month", span, calls[o.id])
        since = trends.watch_since(chart, span) if chart is not None else None
        if since is not None:
            found.append(
                WatchedHome(
                    ods=o.ods_code, name=o.name, commissioner=commissioner.ods_code, since=since
                )
            )
    return found


def area_charts(data: ReportInputs, per_site: dict[int, dict[str, int]]) -> tuple[Any, Any]:
    calls: Counter[str] = Counter()
    for month, _site, count in data.calls_per_site_month:
        calls[month] += count
    admissions: Counter[str] = Counter()
    for per_month in per_site.values():
        admissions.update(per_month)
    span = trends.series_months(data.month, go_live=None, active=sorted(calls))
    return (
        trends.as_model("Calls per month, whole area", span, trends.spc("", span, calls)),
        trends.as_model(
            "Avoided admissions claimed per month, whole area",
            span,
            trends.spc("", span, admissions),
        ),
    )
