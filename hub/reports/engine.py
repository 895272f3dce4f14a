"""The monthly report: read one month of one area through the scoped repository, then build
``schemas.reports.MonthlyReport`` from what was read (``build``, pure).

Every figure's method is in ``docs/report-method.md``.
"""

from __future__ import annotations

import functools
import gc
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from hub.clock import Clock, as_utc
from hub.outcomes.claims import Measure, facts
from hub.reports import activity, disclosure, months, prisons, trends
from hub.reports.costs import CostTable, load_cost_table
from hub.reports.rates import calls_per_10_beds, per_1000_resident_years
from hub.reports.summary import (
    MonthCall,
    Tally,
    answer_times,
    avoided,
    breakdown,
    by_hour,
    by_weekday,
    claims,
    code_counts,
    empty_tally,
    money_claimed,
    money_rows,
    money_total,
    weighted_tally,
)
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.reports import Area, ReportRepo
from hub.storage.scope import Scope
from hub.storage.tables import HospitalActivity, Organisation
from schemas.codes import Channel, Disposition, Escalation, Reason, SiteKind
from schemas.reports import (
    CallSummary,
    Comparison,
    ConnectionQuality,
    Money,
    MonthlyReport,
    MonthlyReportQuery,
    PeriodSummary,
    Rates,
    SiteKindRow,
    SiteReport,
    Specialists,
    Totals,
    WatchedHome,
)

CARE_HOMES = activity.CARE_HOMES
TECHNICAL = Disposition.CALL_FAILED_TECHNICAL.value


@functools.cache
def default_costs() -> CostTable:
    return load_cost_table()


@dataclass(frozen=True, slots=True)
class EscalationRead:
    call_id: str
    code: str
    at: datetime
    answered_at: datetime | None
    source: str


@dataclass
class ReportInputs:
    """Everything a report is built from, as read from storage."""

    month: str
    area: Area
    sites: Sequence[Organisation]
    area_sites: Sequence[Organisation]
    hub_ods: str | None
    calls: Sequence[MonthCall]
    escalations: Sequence[EscalationRead]
    drops: Sequence[tuple[int, str]]  # (site id, call id) of calls with a lost connection
    calls_per_site_month: Sequence[tuple[str, int, int]]
    admission_facts: Sequence[tuple[Any, ...]]  # month, site, *facts, count
    facts_per_month: Sequence[tuple[Any, ...]]  # month, *facts, count
    activity: Sequence[HospitalActivity]
    generated_at: datetime
    answer_target_seconds: int
    costs: CostTable = field(default_factory=default_costs)


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
                rows = await repo.calls_per_site_month(
                    scope, area, first_month=first, last_month=last
                )
                found += watched_homes(
                    month, commissioner, sites, [(r[0], r[1], r[2]) for r in rows]
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
            sites = await repo.sites(scope, area)
            area_sites = await repo.sites(scope, area, whole_area=True) if area.site else sites
            hub = await repo.hub(scope)
            calls = [
                MonthCall(
                    site_id=r[0],
                    channel=r[1],
                    reason=r[2],
                    started_at=r[3],
                    answered_at=r[4],
                    facts=facts(*r[5:10]),
                )
                for r in await repo.month_calls(scope, area, month=month)
            ]
            escalations = [
                EscalationRead(*r) for r in await repo.month_escalations(scope, area, month=month)
            ]
            drops = [(r[0], r[1]) for r in await repo.month_drops(scope, area, month=month)]
            first, last = trends.window(month)
            per_site = [
                (r[0], r[1], r[2])
                for r in await repo.calls_per_site_month(
                    scope, area, first_month=first, last_month=last
                )
            ]
            admission = [
                tuple(r)
                for r in await repo.admission_facts_per_site_month(
                    scope, area, first_month=first, last_month=last
                )
            ]
            earliest = min(months.shift(month, -1), months.financial_year_start(month))
            per_month = [
                tuple(r)
                for r in await repo.facts_per_month(
                    scope, area, first_month=earliest, last_month=month
                )
            ]
            homes = [_home(o) for o in area_sites]
            needed = activity.first_month_needed(homes, month) or month
            hospital = await repo.activity(
                scope, area, first_month=min(needed, month), last_month=month
            )
            prison_section = await prisons.read_section(s, self.clock, scope, sites, month)
            await AuditRepo(s, self.clock).note(
                scope,
                "report_monthly",
                target_type="site" if area.site else "commissioner",
                target_id=(area.site or area.commissioner).ods_code,
                detail={"month": month},
            )
        with _collector_paused():
            report = build(
                ReportInputs(
                    month=month,
                    area=area,
                    sites=sites,
                    area_sites=area_sites,
                    hub_ods=hub.ods_code if hub else None,
                    calls=calls,
                    escalations=escalations,
                    drops=drops,
                    calls_per_site_month=per_site,
                    admission_facts=admission,
                    facts_per_month=per_month,
                    activity=hospital,
                    generated_at=self.clock.now(),
                    answer_target_seconds=self.settings.answer_target_seconds,
                    costs=self.costs,
                )
            ).model_copy(update={"prisons": prison_section})
            if self.settings.report_suppress_small_numbers:
                return prisons.suppress(disclosure.suppress(report))
            return disclosure.unsuppressed(report)


@contextmanager
def _collector_paused() -> Iterator[None]:
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


def _home(o: Organisation) -> activity.Home:
    assert o.id is not None
    return activity.Home(o.id, o.ods_code, o.name, o.kind, o.go_live)


def on_service(data: ReportInputs) -> set[int]:
    """Sites using the hub in the report month: gone live by then, or, with no go-live date
    recorded, having at least one call in the trend window."""
    called = {site_id for _month, site_id, count in data.calls_per_site_month if count}
    found: set[int] = set()
    for o in data.area_sites:
        assert o.id is not None
        if o.go_live is not None:
            if months.of(o.go_live) <= data.month:
                found.add(o.id)
        elif o.id in called:
            found.add(o.id)
    return found


def build(data: ReportInputs) -> MonthlyReport:
    """The report from what was read. Pure."""
    month, costs = data.month, data.costs
    live = on_service(data)
    calls_by_site: dict[int, list[MonthCall]] = defaultdict(list)
    for call in data.calls:
        calls_by_site[call.site_id].append(call)
    tallies = {
        site_id: weighted_tally((c.facts, 1) for c in site_calls)
        for site_id, site_calls in calls_by_site.items()
    }
    total = weighted_tally((c.facts, 1) for c in data.calls)
    admissions = _monthly_admissions(data)
    charts = _charts(data, admissions)
    site_reports = [_site(data, o, calls_by_site, tallies, charts, live) for o in data.sites]
    area_calls, area_admissions = _area_charts(data, admissions)
    technical = sum(1 for c in data.calls if c.technical_failure)

    return MonthlyReport(
        month=month,
        period_start=months.first_day(month),
        period_end=months.last_day(month),
        commissioner=data.area.commissioner.ods_code,
        site=data.area.site.ods_code if data.area.site else None,
        area_name=(data.area.site or data.area.commissioner).name,
        hub_ods=data.hub_ods,
        generated_at=data.generated_at,
        sites=site_reports,
        totals=Totals(
            calls=len(data.calls),
            technical_failures=technical,
            avoided=avoided(total),
            bed_days_avoided=costs.bed_days(total[Measure.ADMISSION].confirmed),
        ),
        calls=_call_summary(data, calls_by_site, live),
        answer_times=answer_times(data.calls, data.answer_target_seconds),
        dispositions=breakdown(code_counts(c.facts.disposition for c in data.calls), Disposition),
        escalations=breakdown(code_counts(e.code for e in data.escalations), Escalation),
        specialists=_specialists(data.escalations),
        connection=_connection(
            len(data.calls), len({call for _site, call in data.drops}), technical
        ),
        money=Money(
            rows=money_rows(total, costs),
            total_gbp=money_total(total, costs),
            claimed_basis_gbp=money_claimed(total, costs),
            total_with_claimed_gbp=money_total(total, costs) + money_claimed(total, costs),
            cost_table=costs.citation,
            sources=[
                f"{row.activity.value}: £{row.amount_gbp} ({row.price_year}) {row.source}"
                for row in costs.unit_costs.values()
            ]
            + [
                f"mean length of stay {costs.mean_length_of_stay_days} days: "
                f"{costs.length_of_stay_source}"
            ],
        ),
        rates=_rates(data, calls_by_site, tallies, live),
        comparison=_comparison(data),
        spc_calls=area_calls,
        spc_avoided_admissions=area_admissions,
        engagement_watch=[s.ods for s in site_reports if s.engagement_watch],
        engagement_watch_homes=[
            WatchedHome(
                ods=s.ods,
                name=s.name,
                commissioner=data.area.commissioner.ods_code,
                since=s.engagement_watch_since,
            )
            for s in site_reports
            if s.engagement_watch_since is not None
        ],
        hospital_activity=activity.compare(
            [_home(o) for o in data.area_sites],
            [
                activity.MonthActivity(
                    a.site_id, a.month, a.ed_attendances, a.emergency_admissions, a.residents
                )
                for a in data.activity
            ],
            month,
            on_service=live,
            only=data.area.site.id if data.area.site else None,
        ),
        notes=_notes(data),
    )


def _per_10_beds(calls: int, beds: int | None) -> float | None:
    return calls_per_10_beds(calls, beds) if beds else None


def _site(
    data: ReportInputs,
    o: Organisation,
    calls_by_site: dict[int, list[MonthCall]],
    tallies: dict[int, Tally],
    charts: dict[int, tuple[Any, Any, str | None]],
    live: set[int],
) -> SiteReport:
    assert o.id is not None
    site_calls = calls_by_site.get(o.id, [])
    tally = tallies.get(o.id) or empty_tally()
    calls_chart, admissions_chart, since = charts.get(o.id, (None, None, None))
    return SiteReport(
        ods=o.ods_code,
        name=o.name,
        site_kind=SiteKind(o.kind),
        beds=o.registered_beds,
        go_live=o.go_live,
        on_service=o.id in live,
        calls=len(site_calls),
        technical_failures=sum(1 for c in site_calls if c.technical_failure),
        calls_per_10_beds=_per_10_beds(len(site_calls), o.registered_beds),
        avoided=avoided(tally),
        bed_days_avoided=data.costs.bed_days(tally[Measure.ADMISSION].confirmed),
        connection=_connection(
            len(site_calls),
            sum(1 for site, _call in data.drops if site == o.id),
            sum(1 for c in site_calls if c.technical_failure),
        ),
        engagement_watch=since is not None,
        engagement_watch_since=since,
        spc_calls=calls_chart,
        spc_avoided_admissions=admissions_chart,
    )


def _monthly_admissions(data: ReportInputs) -> dict[int, dict[str, int]]:
    """Claimed avoided admissions per site per month over the trend window."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for row in data.admission_facts:
        month, site_id, *codes, count = row
        claimed = claims(facts(*codes), Measure.ADMISSION)
        found[site_id][month] = found[site_id].get(month, 0) + count * claimed
    return found


def _charts(
    data: ReportInputs, admissions: dict[int, dict[str, int]]
) -> dict[int, tuple[Any, Any, str | None]]:
    """Each site's two charts (as report models) and the month its fall began, if any."""
    calls = calls_by_site_month(data.calls_per_site_month)
    charts: dict[int, tuple[Any, Any, str | None]] = {}
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


def _area_charts(data: ReportInputs, per_site: dict[int, dict[str, int]]) -> tuple[Any, Any]:
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


def _call_summary(
    data: ReportInputs, calls_by_site: dict[int, list[MonthCall]], live: set[int]
) -> CallSummary:
    technical = sum(1 for c in data.calls if c.technical_failure)
    no_outcome = sum(1 for c in data.calls if c.facts.disposition is None)
    kinds: list[SiteKindRow] = []
    for kind in SiteKind:
        of_kind = [o for o in data.sites if o.kind == kind.value and o.id in live]
        kind_calls = sum(len(calls_by_site.get(o.id or 0, [])) for o in of_kind)
        beds = sum(o.registered_beds or 0 for o in of_kind) or None
        kinds.append(
            SiteKindRow(
                code=kind,
                label=kind.label,
                sites=len(of_kind),
                calls=kind_calls,
                beds=beds,
                calls_per_10_beds=_per_10_beds(kind_calls, beds),
            )
        )
    return CallSummary(
        total=len(data.calls),
        clinical=len(data.calls) - technical - no_outcome,
        technical_failures=technical,
        no_outcome=no_outcome,
        by_channel=breakdown(code_counts(c.channel for c in data.calls), Channel),
        by_site_kind=kinds,
        by_reason=breakdown(code_counts(c.reason for c in data.calls), Reason),
        by_hour=by_hour(data.calls),
        by_weekday=by_weekday(data.calls),
    )


def _connection(calls: int, with_drop: int, technical: int) -> ConnectionQuality:
    return ConnectionQuality(
        calls=calls,
        calls_with_drop=with_drop,
        technical_failures=technical,
        share_with_drop=with_drop / calls if calls else None,
    )


def _specialists(escalations: Sequence[EscalationRead]) -> Specialists:
    joined = [e for e in escalations if e.code == Escalation.SPECIALIST_JOINED.value]
    callbacks = [e for e in escalations if e.code == Escalation.SPECIALIST_CALLBACK.value]
    minutes = [
        (as_utc(e.at) - as_utc(e.answered_at)).total_seconds() / 60
        for e in joined
        if e.answered_at is not None and e.source != "import"
    ]
    return Specialists(
        calls_with_specialist=len({e.call_id for e in joined + callbacks}),
        joined=len(joined),
        callbacks=len(callbacks),
        timed_joins=len(minutes),
        median_minutes_to_join=median(minutes) if minutes else None,
    )


def _rates(
    data: ReportInputs,
    calls_by_site: dict[int, list[MonthCall]],
    tallies: dict[int, Tally],
    live: set[int],
) -> Rates:
    homes = [o for o in data.sites if o.kind in CARE_HOMES and o.registered_beds and o.id in live]
    residents_now = {a.site_id: a.residents for a in data.activity if a.month == data.month}
    beds = sum(o.registered_beds or 0 for o in homes)
    calls = sum(len(calls_by_site.get(o.id or 0, [])) for o in homes)
    imported = [o for o in homes if o.id in residents_now]
    residents = sum(residents_now[o.id or 0] for o in imported) + sum(
        o.registered_beds or 0 for o in homes if o not in imported
    )
    resident_years = residents / 12

    def confirmed(measure: Measure) -> int:
        return sum(tallies[o.id][measure].confirmed for o in homes if o.id in tallies)

    admissions, ed = confirmed(Measure.ADMISSION), confirmed(Measure.ED_ATTENDANCE)
    basis = (
        f"imported hospital activity for {len(imported)} home(s), "
        f"registered beds for {len(homes) - len(imported)} home(s)"
    )

    def per_1000(events: int) -> float | None:
        return per_1000_resident_years(events, resident_years) if resident_years > 0 else None

    return Rates(
        beds=beds,
        care_home_calls=calls,
        calls_per_10_beds=_per_10_beds(calls, beds),
        residents=residents,
        residents_basis=basis,
        resident_years=resident_years,
        avoided_admissions_per_1000_resident_years=per_1000(admissions),
        avoided_ed_attendances_per_1000_resident_years=per_1000(ed),
    )


def _period(data: ReportInputs, label: str, first: str, last: str) -> PeriodSummary:
    rows = [r for r in data.facts_per_month if first <= r[0] <= last]
    tally = weighted_tally((facts(*r[1:6]), r[6]) for r in rows)
    return PeriodSummary(
        label=label,
        first_month=first,
        last_month=last,
        calls=sum(r[6] for r in rows),
        technical_failures=sum(r[6] for r in rows if r[3] == TECHNICAL),
        avoided=avoided(tally),
        bed_days_avoided=data.costs.bed_days(tally[Measure.ADMISSION].confirmed),
        money_gbp=money_total(tally, data.costs),
        claimed_basis_gbp=money_claimed(tally, data.costs),
    )


def _comparison(data: ReportInputs) -> Comparison:
    month = data.month
    last = months.shift(month, -1)
    fy = months.financial_year_start(month)
    return Comparison(
        this_month=_period(data, months.label(month), month, month),
        last_month=_period(data, months.label(last), last, last),
        year_to_date=_period(
            data, f"Year to date ({months.label(fy)} to {months.label(month)})", fy, month
        ),
    )


def _notes(data: ReportInputs) -> list[str]:
    notes = [
        "Avoided activity follows the hub's rules: 'claimed' from what the home and the nurse "
        "said, 'confirmed' when the 72-hour follow-up found no hospital activity, "
        "'unverified' while that follow-up is unknown, 'refuted' when it found some.",
        "One call can count under several measures (ambulance, A&E, admission); the money "
        "total adds them, as the rules say.",
        "Avoided GP contacts have no confirmation step (the 72-hour follow-up asks about A&E "
        "and admission only), so none is ever confirmed: they are costed on their claims, at "
        "the cost table's GP contact cost, and that value is shown apart from the value of "
        "confirmed activity, never added to it unless labelled so.",
        "Technical failures are counted apart and claim nothing.",
        "Months are calendar months in UK time (Europe/London); the year to date is the NHS "
        "financial year, from April.",
    ]
    if any(e.source == "import" for e in data.escalations):
        notes.append(
            "Imported calls carry no escalation times; they are left out of the time to join."
        )
    return notes
