"""The hospital activity comparison: care homes' A&E attendances and emergency admissions per
1,000 resident-years before and after go-live, against homes not on the service. Pure.

- Service homes: care homes whose go-live month is on or before the report month.
  Comparison homes: the area's care homes with no go-live, or one after the report month.
- A home's go-live month is left out (part before, part after). *Before* is the 12 months
  before it; *after* is the months after it, at most the 12 ending with the report month.
  Comparison homes are counted over the same calendar months as the home compared.
- Resident-years = the sum over the months with data of residents / 12; months without
  imported data are left out of both events and person-time.
- For the area, service homes are pooled (each over its own periods) and comparison homes
  are split at the median go-live month of the service homes (the lower one of two).
- Rate ratios and the difference in differences are ``hub.reports.rates``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hub.reports import months
from hub.reports.rates import (
    EventRate,
    NotComputable,
    RateRatio,
    describe_change,
    difference_in_differences,
    rate_ratio,
)
from schemas.codes import SiteKind
from schemas.reports import (
    ActivityMeasure,
    ActivityRates,
    HomeActivity,
    HospitalComparison,
    RateChange,
)

PERIOD_MONTHS = 12
CARE_HOMES = frozenset({SiteKind.CARE_HOME_NURSING.value, SiteKind.CARE_HOME_RESIDENTIAL.value})


@dataclass(frozen=True, slots=True)
class Home:
    site_id: int
    ods: str
    name: str
    kind: str
    go_live: date | None


@dataclass(frozen=True, slots=True)
class MonthActivity:
    site_id: int
    month: str
    ed_attendances: int
    emergency_admissions: int
    residents: int


@dataclass(frozen=True, slots=True)
class Periods:
    split: str
    before: tuple[str, str]
    after: tuple[str, str]


def periods(split: str, report_month: str) -> Periods:
    after_first = max(months.shift(split, 1), months.shift(report_month, -(PERIOD_MONTHS - 1)))
    return Periods(
        split=split,
        before=(months.shift(split, -PERIOD_MONTHS), months.shift(split, -1)),
        after=(after_first, report_month),
    )


def is_service(home: Home, report_month: str) -> bool:
    return home.go_live is not None and months.of(home.go_live) <= report_month


def first_month_needed(homes: Iterable[Home], report_month: str) -> str | None:
    """The earliest month the comparison reads; None when no home is on the service."""
    splits = [months.of(h.go_live) for h in homes if h.go_live and is_service(h, report_month)]
    if not splits:
        return None
    return months.shift(min(splits), -PERIOD_MONTHS)


@dataclass
class _Sum:
    ed: int = 0
    admissions: int = 0
    resident_months: int = 0

    def add(self, row: MonthActivity) -> None:
        self.ed += row.ed_attendances
        self.admissions += row.emergency_admissions
        self.resident_months += row.residents

    def rate(self, measure: str) -> EventRate:
        events = self.ed if measure == "ed" else self.admissions
        return EventRate(events=events, person_years=self.resident_months / 12)


def _sum(rows: Iterable[MonthActivity], sites: set[int], span: tuple[str, str]) -> _Sum:
    total = _Sum()
    for row in rows:
        if row.site_id in sites and span[0] <= row.month <= span[1]:
            total.add(row)
    return total


def _change(rr: RateRatio | NotComputable) -> RateChange:
    if isinstance(rr, NotComputable):
        return RateChange(ratio=None, lower=None, upper=None, words=describe_change(rr))
    return RateChange(ratio=rr.ratio, lower=rr.lower, upper=rr.upper, words=describe_change(rr))


_WHY = {
    "cannot compute: no person-time": "there is no imported data for one of the periods",
    "cannot compute: zero count": "a count is zero, so no ratio can be given",
}


def _say(subject: str, change: RateChange) -> str:
    if change.ratio is None:
        return f"{subject} cannot be compared: {_WHY.get(change.words, change.words)}"
    return f"{subject} {change.words}"


def _per_1000(rate: EventRate) -> float | None:
    return rate.per_1000_resident_years if rate.person_years > 0 else None


def _rates(before: EventRate, after: EventRate) -> ActivityRates:
    return ActivityRates(
        events_before=before.events,
        resident_years_before=before.person_years,
        events_after=after.events,
        resident_years_after=after.person_years,
        per_1000_before=_per_1000(before),
        per_1000_after=_per_1000(after),
        change=_change(
            rate_ratio(after.events, after.person_years, before.events, before.person_years)
        ),
    )


_NAMES = {"ed": "A&E attendances", "admissions": "emergency admissions"}


def _measure(
    measure: str,
    subject: str,
    service: tuple[_Sum, _Sum],
    comparison: tuple[_Sum, _Sum] | None,
) -> ActivityMeasure:
    s_before, s_after = service[0].rate(measure), service[1].rate(measure)
    service_rates = _rates(s_before, s_after)
    name = _NAMES[measure]
    words = _say(
        f"{name[0].upper()}{name[1:]} per 1,000 resident-years at {subject}", service_rates.change
    )
    if comparison is None:
        return ActivityMeasure(
            service=service_rates,
            comparison=None,
            difference_in_differences=None,
            summary=words + "; there are no comparison homes in this area.",
        )
    c_before, c_after = comparison[0].rate(measure), comparison[1].rate(measure)
    comparison_rates = _rates(c_before, c_after)
    did = _change(
        difference_in_differences(
            service_before=s_before,
            service_after=s_after,
            comparison_before=c_before,
            comparison_after=c_after,
        )
    )
    return ActivityMeasure(
        service=service_rates,
        comparison=comparison_rates,
        difference_in_differences=did,
        summary=(
            f"{words}; {_say('at comparison homes they', comparison_rates.change)}. "
            + _say("Allowing for the comparison homes (difference in differences) they", did)
            + "."
        ),
    )


def compare(
    homes: Sequence[Home],
    rows: Sequence[MonthActivity],
    report_month: str,
    *,
    on_service: set[int],
    only: int | None,
) -> HospitalComparison | None:
    """The comparison for the area's care homes (or only the home ``only``); None without data.

    ``on_service``: the sites using the hub this month (see ``inputs.on_service``).
    """
    with_data = {r.site_id for r in rows if r.month <= report_month}
    care = [h for h in homes if h.kind in CARE_HOMES and h.site_id in with_data]
    service = [h for h in care if h.site_id in on_service and is_service(h, report_month)]
    undated = [h for h in care if h.site_id in on_service and h.go_live is None]
    reported = [h for h in service if only is None or h.site_id == only]
    comparison_ids = {h.site_id for h in care if h.site_id not in on_service}
    if not reported:
        return None
    notes = [
        "Rates are per 1,000 resident-years from the imported monthly hospital activity; "
        "each home's go-live month is left out of both periods.",
    ]
    if not comparison_ids:
        notes.append("No comparison homes (care homes not on the service) have imported data.")
    if undated:
        notes.append(
            f"{len(undated)} home(s) using the service have no go-live date and are left out."
        )

    def around(split: str) -> tuple[Periods, tuple[_Sum, _Sum] | None]:
        p = periods(split, report_month)
        if not comparison_ids:
            return p, None
        return p, (_sum(rows, comparison_ids, p.before), _sum(rows, comparison_ids, p.after))

    results: list[HomeActivity] = []
    pooled_before, pooled_after = _Sum(), _Sum()
    for home in reported:
        assert home.go_live is not None
        p, comparison = around(months.of(home.go_live))
        before = _sum(rows, {home.site_id}, p.before)
        after = _sum(rows, {home.site_id}, p.after)
        for total, part in ((pooled_before, before), (pooled_after, after)):
            total.ed += part.ed
            total.admissions += part.admissions
            total.resident_months += part.resident_months
        results.append(
            HomeActivity(
                ods=home.ods,
                name=home.name,
                go_live=home.go_live,
                split_month=p.split,
                before=list(p.before),
                after=list(p.after) if p.after[0] <= p.after[1] else [],
                ed_attendances=_measure("ed", home.name, (before, after), comparison),
                emergency_admissions=_measure("admissions", home.name, (before, after), comparison),
            )
        )
    area_ed = area_adm = None
    if only is None:
        splits = sorted(months.of(h.go_live) for h in reported if h.go_live)
        median_split = splits[(len(splits) - 1) // 2]
        _, comparison = around(median_split)
        pooled = (pooled_before, pooled_after)
        area_ed = _measure("ed", "the service homes", pooled, comparison)
        area_adm = _measure("admissions", "the service homes", pooled, comparison)
        notes.append(
            f"Area figures pool {len(reported)} service home(s), each over its own periods; "
            f"comparison homes are split at the median go-live month ({median_split})."
        )
    return HospitalComparison(
        service_homes=len(reported),
        comparison_homes=sorted(h.ods for h in care if h.site_id in comparison_ids),
        homes=results,
        area_ed_attendances=area_ed,
        area_emergency_admissions=area_adm,
        notes=notes,
    )
