"""The monthly report from what was read: ``build`` (pure). The reading is
``hub.reports.engine``; each section is ``hub.reports.sections``, each chart
``hub.reports.charts``. Every figure's method is in ``docs/report-method.md``."""

from __future__ import annotations

from collections import Counter, defaultdict

from hub.avoided.claims import Measure
from hub.reports import activity, months, sections
from hub.reports.charts import area_charts, monthly_admissions, site_charts
from hub.reports.inputs import ReportInputs, home_of, on_service
from hub.reports.summary import (
    MonthCall,
    answer_times,
    avoided,
    breakdown,
    code_counts,
    money_claimed,
    money_rows,
    money_total,
    weighted_tally,
)
from schemas.codes import Disposition, Escalation
from schemas.reports import Money, MonthlyReport, Totals, WatchedHome


def build(data: ReportInputs) -> MonthlyReport:
    """The report from what was read. Pure."""
    month, costs = data.month, data.costs
    live = on_service(data)
    calls_by_site: dict[int, list[MonthCall]] = defaultdict(list)
    for call in data.calls:
        calls_by_site[call.site_id].append(call)
    # Calls with the same facts count alike: each site's are added up by their facts.
    site_facts = {
        site_id: Counter(c.facts for c in site_calls)
        for site_id, site_calls in calls_by_site.items()
    }
    tallies = {site_id: weighted_tally(found.items()) for site_id, found in site_facts.items()}
    total = weighted_tally(Counter(c.facts for c in data.calls).items())
    admissions = monthly_admissions(data)
    charts = site_charts(data, admissions)
    links = sections.SiteLinks.of(data)
    site_reports = [
        sections.site(data, o, calls_by_site, tallies, charts, live, links) for o in data.sites
    ]
    area_calls, area_admissions = area_charts(data, admissions)

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
            not_recorded=sum(1 for c in data.calls if c.not_recorded),
            avoided=avoided(total),
            bed_days_avoided=costs.bed_days(total[Measure.ADMISSION].confirmed),
        ),
        calls=sections.call_summary(data, calls_by_site, live),
        answer_times=answer_times(data.calls, data.answer_target_seconds),
        dispositions=breakdown(code_counts(c.facts.disposition for c in data.calls), Disposition),
        escalations=breakdown(code_counts(e.code for e in data.escalations), Escalation),
        specialists=sections.specialists(data.escalations),
        connection=sections.connection(
            len(data.calls), len({call for _site, call in data.drops}), data.quality
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
        rates=sections.rates(data, calls_by_site, tallies, live),
        comparison=sections.comparison(data),
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
            [home_of(o) for o in data.area_sites],
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
        notes=sections.notes(data),
    )
