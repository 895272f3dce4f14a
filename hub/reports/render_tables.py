"""The report as CSV tables, as an analyst opens it in a spreadsheet: one table per section,
one row per home per month (or per month for the area), one column per measure.

The tables follow one another in one file. Each starts with a row holding only its name
(``table: sites``), then its header row, then its rows; an empty row ends it. Every cell
goes through ``hub.spreadsheet``. The one-figure-per-row form is ``render_csv`` (the
``csv-long`` download). Counts not shown in a suppressed report are "<8" or "*"; figures
not shown are empty.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from hub.reports import render_gold_line, render_prisons
from hub.spreadsheet import Writer
from schemas.reports import Avoided, MonthlyReport, PeriodSummary

MEASURES = ("ambulance", "ed_attendance", "admission")
FIELDS = ("claimed", "confirmed", "unverified", "refuted")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AVOIDED_COLUMNS = [f"{m}_{f}" for m in MEASURES for f in FIELDS] + ["gp_contact_claimed"]

Table = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def _avoided(avoided: Avoided) -> list[Any]:
    cells: list[Any] = [getattr(getattr(avoided, m), f) for m in MEASURES for f in FIELDS]
    return [*cells, avoided.gp_contact.claimed]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def tables(report: MonthlyReport) -> list[Table]:
    month, area = report.month, report.commissioner or ""
    head = ["month", "commissioner"]
    site_columns = [*head, "site_ods", "site_name", "site_kind", "beds", "go_live", "on_service"]
    site_columns += ["calls", "not_recorded", "calls_per_10_beds", *AVOIDED_COLUMNS]
    site_columns += ["bed_days_avoided", "engagement_watch", "engagement_watch_since"]
    sites = [
        [month, area, s.ods, s.name, s.site_kind.value, s.beds, s.go_live, s.on_service]
        + [s.calls, s.not_recorded, s.calls_per_10_beds, *_avoided(s.avoided)]
        + [s.bed_days_avoided, s.engagement_watch, s.engagement_watch_since]
        for s in report.sites
    ]
    t = report.totals
    sites.append(
        [month, area, "", "All sites", "", report.rates.beds, "", ""]
        + [t.calls, t.not_recorded, report.rates.calls_per_10_beds, *_avoided(t.avoided)]
        + [t.bed_days_avoided, bool(report.engagement_watch), ""]
    )

    trend_columns = ["month", "commissioner", "site_ods", "calls", "calls_variation"]
    trend_columns += ["avoided_admissions_claimed", "admissions_variation"]
    trend = []
    for s in report.sites:
        if s.spc_calls is None:
            continue
        claimed = {
            p.month: p
            for p in (s.spc_avoided_admissions.points if s.spc_avoided_admissions else [])
        }
        for p in s.spc_calls.points:
            a = claimed.get(p.month)
            trend.append(
                [p.month, area, s.ods, p.value, p.variation]
                + [a.value if a else "", a.variation if a else ""]
            )

    connection_columns = [*head, "site_ods", "calls", "calls_with_drop", "share_with_drop"]
    connection_columns += ["technical_failures", "calls_reported", "calls_audio_only"]
    connection_columns += ["video_minutes", "audio_only_minutes", "share_audio_only"]
    connection = [
        [month, area, ods, q.calls, q.calls_with_drop, q.share_with_drop, q.technical_failures,
         q.calls_reported, q.calls_audio_only, q.video_minutes, q.audio_only_minutes,
         q.share_audio_only]  # fmt: skip
        for ods, q in [*((s.ods, s.connection) for s in report.sites), ("", report.connection)]
    ]

    c, answer = report.calls, report.answer_times
    calls_columns = [*head, "calls", "clinical", "not_recorded", "no_outcome", "answered"]
    calls_columns += ["not_answered", "median_answer_seconds", "p90_answer_seconds"]
    calls_columns += ["answer_target_seconds", "within_target", "share_within_target"]
    calls = [
        [month, area, c.total, c.clinical, c.not_recorded, c.no_outcome, answer.answered]
        + [answer.not_answered, answer.median_seconds, answer.p90_seconds]
        + [answer.target_seconds, answer.within_target, answer.share_within_target]
    ]

    def by_code(name: str, rows: Sequence[Any]) -> Table:
        return (name, [*head, *(r.code for r in rows)], [[month, area, *(r.count for r in rows)]])

    kinds = c.by_site_kind
    money = report.money
    amounts = {row.measure: row for row in money.rows}
    money_columns = [*head, *(f"{m}_gbp" for m in amounts), "total_confirmed_gbp"]
    money_columns += ["claimed_basis_gbp", "total_with_claimed_gbp", "cost_table"]
    money_row = [month, area, *(r.amount_gbp for r in amounts.values()), money.total_gbp]
    money_row += [money.claimed_basis_gbp, money.total_with_claimed_gbp, money.cost_table]

    def period(p: PeriodSummary) -> list[Any]:
        return [p.label, p.first_month, p.last_month, p.calls, p.not_recorded]

    period_columns = ["period", "first_month", "last_month", "calls", "not_recorded"]
    period_columns += [*AVOIDED_COLUMNS, "bed_days_avoided", "money_gbp", "claimed_basis_gbp"]
    periods = [
        [*period(p), *_avoided(p.avoided), p.bed_days_avoided, p.money_gbp, p.claimed_basis_gbp]
        for p in (
            report.comparison.this_month,
            report.comparison.last_month,
            report.comparison.year_to_date,
        )
    ]

    r = report.rates
    rates_columns = [*head, "beds", "care_home_calls", "calls_per_10_beds", "residents"]
    rates_columns += ["resident_years", "avoided_admissions_per_1000_resident_years"]
    rates_columns += ["avoided_ed_attendances_per_1000_resident_years", "residents_basis"]
    rates = [
        [month, area, r.beds, r.care_home_calls, r.calls_per_10_beds, r.residents]
        + [r.resident_years, r.avoided_admissions_per_1000_resident_years]
        + [r.avoided_ed_attendances_per_1000_resident_years, r.residents_basis]
    ]

    hospital_columns = [*head, "site_ods", "measure", "events_before", "resident_years_before"]
    hospital_columns += ["events_after", "resident_years_after", "rate_ratio", "ratio_lower"]
    hospital_columns += ["ratio_upper", "comparison_rate_ratio", "difference_in_differences"]
    hospital = []
    if report.hospital_activity is not None:
        for home in report.hospital_activity.homes:
            for name, m in (("ed_attendances", home.ed_attendances),
                            ("emergency_admissions", home.emergency_admissions)):  # fmt: skip
                did = m.difference_in_differences
                hospital.append(
                    [month, area, home.ods, name, m.service.events_before]
                    + [m.service.resident_years_before, m.service.events_after]
                    + [m.service.resident_years_after, m.service.change.ratio]
                    + [m.service.change.lower, m.service.change.upper]
                    + [m.comparison.change.ratio if m.comparison else None]
                    + [did.ratio if did else None]
                )

    return [
        ("sites", site_columns, sites),
        ("trend", trend_columns, trend),
        ("calls", calls_columns, calls),
        ("connection", connection_columns, connection),
        (
            "site_kinds",
            [*head, "site_kind", "sites", "calls", "beds", "calls_per_10_beds"],
            [
                [month, area, k.code.value, k.sites, k.calls, k.beds, k.calls_per_10_beds]
                for k in kinds
            ],
        ),  # fmt: skip
        by_code("by_channel", c.by_channel),
        by_code("by_reason", c.by_reason),
        ("by_hour", [*head, *(f"h{h:02d}" for h in range(24))], [[month, area, *c.by_hour]]),
        ("by_weekday", [*head, *WEEKDAYS], [[month, area, *c.by_weekday]]),
        by_code("dispositions", report.dispositions),
        by_code("escalations", report.escalations),
        ("money", money_columns, [money_row]),
        ("periods", period_columns, periods),
        ("rates", rates_columns, rates),
        ("hospital_activity", hospital_columns, hospital),
        *render_prisons.table(report),
        *render_gold_line.table(report),
        (
            "disclosure",
            ["suppressed", "rule"],
            [[report.disclosure.suppressed, report.disclosure.rule]],
        ),
    ]


def render_tables(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = Writer(out)
    for name, columns, rows in tables(report):
        writer.writerow([f"table: {name}"])
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
        writer.writerow([])
    return out.getvalue()
