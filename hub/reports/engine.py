"""The monthly report: read one month of one area through the scoped repository, then build
``schemas.reports.MonthlyReport`` from what was read (``build``, pure).

Every figure's method is in ``docs/report-method.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.avoided.claims import facts
from hub.avoided.counts import SitePeriodCounts
from hub.clock import Clock
from hub.reports import activity, disclosure, gold_line, prisons, sections, trends
from hub.reports.build import build
from hub.reports.charts import watched_homes
from hub.reports.costs import CostTable
from hub.reports.inputs import (
    EscalationRead,
    QualityRead,
    ReportInputs,
    default_costs,
    home_of,
)
from hub.reports.prisons import PRISON_CHANNELS, PrisonCall
from hub.reports.summary import MonthCall
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.reports import Area, Coverage, ReportRepo, TrendRow
from hub.storage.scope import Scope
from hub.storage.tables import HospitalActivity, Organisation
from schemas.reports import MonthlyReport, MonthlyReportQuery, WatchedHome


class ReportService:
    def __init__(
        self, db: Database, clock: Clock, settings: HubSettings, costs: CostTable | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.costs = costs or default_costs()

    async def engagement_watch(self, scope: Scope, *, month: str) -> list[WatchedHome]:
        """Homes on engagement watch in ``month`` across every area the caller may see."""
        first, last = trends.window(month)
        found: list[WatchedHome] = []
        async with self.db.session() as s:
            repo = ReportRepo(s, self.clock)
            for commissioner in await repo.commissioners(scope):
                area = Area(commissioner=commissioner)
                sites = await repo.sites(scope, area)
                rows = await repo.site_month_calls(scope, area, first_month=first, last_month=last)
                found += watched_homes(
                    month,
                    commissioner,
                    sites,
                    [(m, site_id, calls) for m, site_id, calls, _ in rows],
                )
            await AuditRepo(s, self.clock).record(
                actor=scope.actor,
                organisation_id=scope.organisation_id,
                action="engagement_watch_read",
                target_type="hub",
                target_id=month,
                detail={"month": month},
            )
        return found

    async def monthly(self, scope: Scope, query: MonthlyReportQuery) -> MonthlyReport:
        month = query.month
        async with self.db.session() as s:
            repo = ReportRepo(s, self.clock)
            area = await repo.area(scope, commissioner_ods=query.commissioner, site_ods=query.site)
            hub = await repo.hub(scope)
            inputs = await self.read(
                repo, scope, area, month, hub_ods=hub.ods_code if hub else None
            )
            extra = await read_sections(s, self.clock, scope, inputs, month)
            await AuditRepo(s, self.clock).note(
                scope,
                "report_monthly",
                target_type="site" if area.site else "commissioner",
                target_id=(area.site or area.commissioner).ods_code,
                detail={"month": month},
            )
        with collector_paused():
            return self.disclosed(build(inputs).model_copy(update=extra))

    async def read(
        self, repo: ReportRepo, scope: Scope, area: Area, month: str, *, hub_ods: str | None
    ) -> ReportInputs:
        """Everything one area's report for ``month`` is built from, read in the caller's
        session: the month's calls, escalations and drops, the per-site, per-month counts
        over the trend window, and the hospital activity (only the area's rows)."""
        sites = await repo.sites(scope, area)
        area_sites = await repo.sites(scope, area, whole_area=True) if area.site else sites
        rows = await read_rows(repo, scope, area, month, area_sites)
        return self.inputs(area, month, sites, area_sites, rows, hub_ods=hub_ods)

    def inputs(
        self,
        area: Area,
        month: str,
        sites: Sequence[Organisation],
        area_sites: Sequence[Organisation],
        rows: ReportRows,
        *,
        hub_ods: str | None,
    ) -> ReportInputs:
        """One area's ``ReportInputs`` from rows read for it (or split from the hub's)."""
        calls = [
            MonthCall(
                site_id=r[0],
                channel=r[1],
                reason=r[2],
                started_at=r[3],
                answered_at=r[4],
                facts=facts(*r[5:10]),
                gold_line_outcome=r[10],
                person_id=r[11],
            )
            for r in rows.calls
        ]
        first_activity = activity_from(area_sites, month)
        prison_ids = {o.id for o in prisons.prisons_of(sites)}
        return ReportInputs(
            month=month,
            area=area,
            sites=sites,
            area_sites=area_sites,
            hub_ods=hub_ods,
            calls=calls,
            escalations=[EscalationRead(*r[1:]) for r in rows.escalations],
            drops=[(r[0], r[1]) for r in rows.drops],
            quality=[QualityRead(*r) for r in rows.quality],
            prison_calls=[
                PrisonCall(r[0], r[1], r[12], r[13], r[7], r[8], r[9])
                for r in rows.calls
                if r[0] in prison_ids and r[1] in PRISON_CHANNELS
            ],
            trend=rows.trend,
            periods=rows.periods,
            activity=[a for a in rows.activity if a.month >= first_activity],
            generated_at=self.clock.now(),
            answer_target_seconds=self.settings.answer_target_seconds,
            costs=self.costs,
        )

    def disclosed(self, report: MonthlyReport) -> MonthlyReport:
        """The report as a commissioner may see it: small numbers suppressed unless the
        setting says a data-sharing agreement covers them."""
        if self.settings.report_suppress_small_numbers:
            return gold_line.suppress(prisons.suppress(disclosure.suppress(report)))
        return disclosure.unsuppressed(report)


@dataclass(frozen=True, slots=True)
class ReportRows:
    """The rows a report is made from, as the repository returns them: one area's, or the
    whole hub's (each row carries its site, to split them by commissioner)."""

    calls: Sequence[tuple[Any, ...]]
    escalations: Sequence[tuple[Any, ...]]
    drops: Sequence[tuple[Any, ...]]
    quality: Sequence[tuple[Any, ...]]
    trend: Sequence[TrendRow]
    periods: Sequence[SitePeriodCounts]
    activity: Sequence[HospitalActivity]


def activity_from(area_sites: Sequence[Organisation], month: str) -> str:
    """The first month of hospital activity the comparison of these sites reads."""
    needed = activity.first_month_needed([home_of(o) for o in area_sites], month) or month
    return min(needed, month)


async def read_rows(
    repo: ReportRepo,
    scope: Scope,
    covered: Coverage,
    month: str,
    area_sites: Sequence[Organisation],
) -> ReportRows:
    """The rows of one area or of the whole hub: the month's calls, their escalations,
    drops and quality reports (one query for the three), the per-site, per-month calls and
    avoided admissions claimed over the trend window, each site's counts added up over the
    comparison's periods, and the hospital activity from the earliest month any of
    ``area_sites``' comparisons needs."""
    first, last = trends.window(month)
    calls = await repo.month_calls(scope, covered, month=month)
    records = await repo.month_call_records(scope, covered, month=month)
    return ReportRows(
        calls=calls,
        escalations=records.escalations,
        drops=records.drops,
        quality=records.quality,
        trend=await repo.site_month_calls(scope, covered, first_month=first, last_month=last),
        periods=await repo.period_counts(
            scope, covered, periods=sections.comparison_periods(month)
        ),
        activity=await repo.activity(
            scope, covered, first_month=activity_from(area_sites, month), last_month=month
        ),
    )


async def read_sections(
    s: AsyncSession, clock: Clock, scope: Scope, inputs: ReportInputs, month: str
) -> dict[str, Any]:
    """The sections read apart from the month's calls (the prisons' appointments, the Gold
    Line's deaths), for the report's sites, as ``MonthlyReport`` fields: a query or two each
    per report; their calls are the report's own calls (``inputs.calls``)."""
    return {
        "prisons": await prisons.read_section(
            s, clock, scope, inputs.sites, inputs.prison_calls, month
        ),
        "gold_line": await gold_line.read_section(
            s, clock, scope, inputs.sites, inputs.calls, month
        ),
    }


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report is built.

    A national-sized report creates ~100,000 objects (rows, charts, models) that all stay
    alive until it is returned, so a collection during the build finds nothing to free, yet
    the allocations set off a few that rescan the whole heap (every module's objects): ~100
    ms of a report on SQLite. ``build`` is synchronous, so no other task runs meanwhile; the
    collector runs as usual right after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
