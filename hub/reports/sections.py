"""The report's sections, each from what was read (``ReportInputs``). Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from hub.avoided import counts
from hub.avoided.claims import Measure
from hub.clock import as_utc
from hub.reports import activity, months
from hub.reports.charts import SiteCharts
from hub.reports.inputs import EscalationRead, QualityRead, ReportInputs
from hub.reports.rates import calls_per_10_beds, per_1000_resident_years
from hub.reports.summary import (
    MonthCall,
    Tally,
    avoided,
    breakdown,
    by_hour,
    by_weekday,
    code_counts,
    empty_tally,
    money_claimed,
    money_total,
)
from hub.storage.tables import Organisation
from schemas.codes import Channel, Escalation, Reason, SiteKind
from schemas.reports import (
    CallSummary,
    Comparison,
    ConnectionQuality,
    PeriodSummary,
    Rates,
    SiteKindRow,
    SiteReport,
    Specialists,
)

Period = tuple[str, str]
"""(first month, last month), inclusive."""

CARE_HOMES = activity.CARE_HOMES


def _per_10_beds(calls: int, beds: int | None) -> float | None:
    return calls_per_10_beds(calls, beds) if beds else None


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """The month's drop events and call-quality records grouped by site, once per report
    (each site's section used to scan the whole area's rows)."""

    drops: Counter[int]
    quality: dict[int, list[QualityRead]]

    @classmethod
    def of(cls, data: ReportInputs) -> SiteLinks:
        quality: dict[int, list[QualityRead]] = defaultdict(list)
        for q in data.quality:
            quality[q.site_id].append(q)
        return cls(drops=Counter(site for site, _call in data.drops), quality=quality)


def site(
    data: ReportInputs,
    o: Organisation,
    calls_by_site: dict[int, list[MonthCall]],
    tallies: dict[int, Tally],
    charts: SiteCharts,
    live: set[int],
    links: SiteLinks,
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
        not_recorded=sum(1 for c in site_calls if c.not_recorded),
        calls_per_10_beds=_per_10_beds(len(site_calls), o.registered_beds),
        avoided=avoided(tally),
        bed_days_avoided=data.costs.bed_days(tally[Measure.ADMISSION].confirmed),
        connection=connection(
            len(site_calls),
            links.drops[o.id],
            links.quality.get(o.id, []),
        ),
        engagement_watch=since is not None,
        engagement_watch_since=since,
        spc_calls=calls_chart,
        spc_avoided_admissions=admissions_chart,
    )


def call_summary(
    data: ReportInputs, calls_by_site: dict[int, list[MonthCall]], live: set[int]
) -> CallSummary:
    not_recorded = sum(1 for c in data.calls if c.not_recorded)
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
        clinical=len(data.calls) - not_recorded - no_outcome,
        not_recorded=not_recorded,
        no_outcome=no_outcome,
        by_channel=breakdown(code_counts(c.channel for c in data.calls), Channel),
        by_site_kind=kinds,
        by_reason=breakdown(code_counts(c.reason for c in data.calls), Reason),
        by_hour=by_hour(data.calls),
        by_weekday=by_weekday(data.calls),
    )


def connection(calls: int, with_drop: int, quality: Sequence[QualityRead]) -> ConnectionQuality:
    """Connection quality from the hub's drop events and the call-quality records (§3a): a
    failure is a call with any record that says it ended by failure, whatever its
    disposition."""
    video = sum(q.video_seconds for q in quality) / 60
    audio = sum(q.audio_only_seconds for q in quality) / 60
    return ConnectionQuality(
        calls=calls,
        calls_with_drop=with_drop,
        technical_failures=len({q.call_id for q in quality if q.ended_by_failure}),
        share_with_drop=with_drop / calls if calls else None,
        calls_reported=len({q.call_id for q in quality}),
        calls_audio_only=len({q.call_id for q in quality if q.audio_only_seconds}),
        video_minutes=round(video, 1),
        audio_only_minutes=round(audio, 1),
        share_audio_only=audio / (video + audio) if video + audio else None,
    )


def specialists(escalations: Sequence[EscalationRead]) -> Specialists:
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


def rates(
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
    summed = counts.total(
        r for r in data.periods if r.first_month == first and r.last_month == last
    )
    tally = counts.as_tally(summed)
    named = dict(zip(counts.COUNTS, summed, strict=True))
    return PeriodSummary(
        label=label,
        first_month=first,
        last_month=last,
        calls=named["calls"],
        not_recorded=named["technical_failures"],  # the stored column's name (0008)
        avoided=avoided(tally),
        bed_days_avoided=data.costs.bed_days(tally[Measure.ADMISSION].confirmed),
        money_gbp=money_total(tally, data.costs),
        claimed_basis_gbp=money_claimed(tally, data.costs),
    )


def comparison_periods(month: str) -> tuple[Period, Period, Period]:
    """The comparison's periods, (first month, last month) each: this month, last month
    and the financial year to date."""
    last = months.shift(month, -1)
    return (month, month), (last, last), (months.financial_year_start(month), month)


def comparison(data: ReportInputs) -> Comparison:
    (month, _), (last, _), (fy, _) = comparison_periods(data.month)
    return Comparison(
        this_month=_period(data, months.label(month), month, month),
        last_month=_period(data, months.label(last), last, last),
        year_to_date=_period(
            data, f"Year to date ({months.label(fy)} to {months.label(month)})", fy, month
        ),
    )


def notes(data: ReportInputs) -> list[str]:
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
