"""The pure parts of the monthly report: months, counting, engagement watch, the hospital
comparison's periods, charts and the FHIR code checks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import cast

import pytest

from hub.avoided.claims import CallFacts, tally
from hub.reports import months, trends
from hub.reports.activity import Home, MonthActivity, compare, periods
from hub.reports.inputs import QualityRead, ReportInputs
from hub.reports.render_fhir import FhirCodeError, _population
from hub.reports.sections import SiteLinks
from hub.reports.spc import xmr_chart
from hub.reports.summary import MonthCall, answer_times, nearest_rank, weighted_tally
from hub.reports.svg import bars, xmr
from schemas.codes import Disposition, FollowUpAnswer, HomeIntent, NurseCounterfactual
from schemas.reports import MonthlyReportQuery


def test_months_step_across_years_and_financial_years() -> None:
    assert months.shift("2026-01", -1) == "2025-12"
    assert months.shift("2026-10", 3) == "2027-01"
    assert months.span("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months.span("2026-02", "2026-01") == []
    assert months.financial_year_start("2026-03") == "2025-04"
    assert months.financial_year_start("2026-04") == "2026-04"
    assert months.last_day("2028-02") == date(2028, 2, 29)
    assert months.label("2026-10") == "October 2026"


def test_a_month_query_is_checked() -> None:
    assert MonthlyReportQuery(month="2026-10").month == "2026-10"
    for bad in ("2026-13", "2026-1", "Oct 2026"):
        with pytest.raises(ValueError):
            MonthlyReportQuery(month=bad)
    with pytest.raises(ValueError):
        MonthlyReportQuery(month="2026-10", commissioner="QAA", site="VHOMA")


def test_nearest_rank_percentile() -> None:
    values = [15, 20, 30, 45, 60, 75, 90, 100, 120, 150, 180, 200, 250, 310, 400, 500]
    assert nearest_rank(values, 90) == 400  # ceil(0.9 × 16) = 15th
    assert nearest_rank(values, 50) == 100
    assert nearest_rank([7], 90) == 7


def test_answer_times_leave_unanswered_calls_out() -> None:
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    facts = CallFacts(HomeIntent.UNKNOWN, None, Disposition.MANAGED_IN_PLACE)

    def call(seconds: int | None) -> MonthCall:
        answered = None if seconds is None else start.replace(second=0) + _s(seconds)
        return MonthCall(1, "care_home", "fever", start, answered, facts)

    times = answer_times([call(60), call(400), call(None), call(300)], target_seconds=300)
    assert (times.answered, times.not_answered, times.within_target) == (3, 1, 2)
    assert times.median_seconds == 300 and times.p90_seconds == 400


def _s(seconds: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(seconds=seconds)


def test_weighted_counts_equal_counting_each_call() -> None:
    every = [
        CallFacts(intent, counterfactual, disposition, ed, admitted)
        for intent, counterfactual, disposition, ed, admitted in itertools.product(
            HomeIntent, NurseCounterfactual, Disposition, FollowUpAnswer, FollowUpAnswer
        )
    ]
    weighted = weighted_tally((facts, 3) for facts in every)
    one_by_one = tally(every * 3)
    assert weighted == one_by_one


def _chart(values: list[float]):  # type: ignore[no-untyped-def]
    return xmr_chart(values, counts=True)


def test_engagement_watch_flags_a_special_cause_fall_only() -> None:
    steady = [10, 12, 9, 11, 10, 12, 11, 9, 10, 11, 12, 10]
    assert not trends.declining(_chart(steady))
    assert trends.declining(_chart([*steady, 0]))  # below the lower limit
    assert not trends.declining(_chart([*steady, 30]))  # a rise is not a fall
    assert trends.declining(_chart([*steady, 8, 8, 7, 8, 7, 8, 7]))  # 7 below the mean
    falling = [20, 19, 18, 17, 16, 15, 14]
    assert trends.declining(_chart([10, 30, 12, 28, *falling]))


def test_the_report_screens_moving_ranges_so_an_outbreak_month_hides_no_fall() -> None:
    """Ten steady months (10, 11), an outbreak month of 40, then 4 calls. Ranges 1 (×9), 29,
    36: mR̄ 74/11 = 6.73, cut 21.98, so 29 and 36 are screened and mR̄ = 1. Mean 149/12 =
    12.42; lower limit 9.76, so the 4 is special cause and the home is on watch. Without
    screening the lower limit is 0 (12.42 − 17.89, floored) and the 4 looks ordinary."""
    values = [10, 11] * 5 + [40, 4]
    span = months.span("2025-11", "2026-10")
    chart = trends.spc("Calls per month", span, dict(zip(span, values, strict=True)))
    assert chart is not None and chart.screen_outliers
    assert chart.mean_moving_range == 1.0
    assert chart.lower_limit == pytest.approx(149 / 12 - 2.66)
    assert trends.declining(chart)
    assert not trends.declining(xmr_chart(values, counts=True))


def test_the_watch_says_when_the_fall_began() -> None:
    steady = [10, 12, 9, 11, 10, 12, 11, 9, 10, 11, 12, 10]
    span = [f"m{i:02d}" for i in range(20)]
    assert trends.watch_since(_chart(steady), span) is None
    # Seven below the mean: the shift's first point.
    assert trends.watch_since(_chart([*steady, 8, 8, 7, 8, 7, 8, 7]), span) == "m12"
    # One point below the lower limit: that month.
    assert trends.watch_since(_chart([*steady, 0]), span) == "m12"
    # A falling trend that starts above the mean: its first point.
    assert trends.watch_since(_chart([10, 30, 12, 28, 20, 19, 18, 17, 16, 15, 14]), span) == "m03"


def test_a_homes_series_starts_at_go_live_within_the_window() -> None:
    span = trends.series_months("2026-10", go_live=date(2026, 6, 15), active=[])
    assert span == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert len(trends.series_months("2026-10", go_live=date(2020, 1, 1), active=[])) == 24
    assert trends.series_months("2026-10", go_live=None, active=[]) == []
    assert trends.series_months("2026-10", go_live=None, active=["2026-09"])[0] == "2026-09"


def test_before_and_after_periods_leave_the_go_live_month_out() -> None:
    p = periods("2025-01", "2026-10")
    assert p.before == ("2024-01", "2024-12") and p.after == ("2025-11", "2026-10")
    recent = periods("2026-07", "2026-10")
    assert recent.after == ("2026-08", "2026-10")


def test_the_comparison_pools_homes_and_splits_comparisons_at_the_median() -> None:
    homes = [
        Home(1, "V1", "One", "care_home_nursing", date(2025, 1, 1)),
        Home(2, "V2", "Two", "care_home_residential", date(2025, 3, 1)),
        Home(3, "V3", "Three", "care_home_nursing", None),
    ]
    rows = [
        MonthActivity(site, month, ed, ed, 12)
        for site, ed in ((1, 4), (2, 2), (3, 3))
        for month in ("2024-06", "2026-10")
    ]
    result = compare(homes, rows, "2026-10", on_service={1, 2}, only=None)
    assert result is not None and result.comparison_homes == ["V3"]
    assert result.service_homes == 2
    area = result.area_ed_attendances
    assert area is not None and area.service.events_before == 6 and area.service.events_after == 6
    assert area.comparison is not None and area.comparison.events_before == 3
    assert "2025-01" in result.notes[-1]  # the lower median of two go-live months
    assert compare(homes, rows, "2026-10", on_service={1, 2}, only=3) is None


def test_charts_are_svg_with_escaped_titles() -> None:
    from schemas.reports import SpcChart, SpcPoint

    chart = SpcChart(
        title="Calls <Home & Co>",
        points=[
            SpcPoint(
                month=f"2026-0{i}", value=v, special_cause=False, rules=[], variation="common_cause"
            )  # fmt: skip
            for i, v in enumerate([3, 4, 5], start=1)
        ],
        mean=4,
        lower_limit=0,
        upper_limit=8,
        variation="common_cause",
        rule_variant="shift 7, trend 7",
        baseline_note=None,
    )
    drawn = str(xmr(chart))
    assert drawn.startswith("<svg") and "Calls &lt;Home &amp; Co&gt;" in drawn
    assert drawn.count("<circle") == 3
    assert str(bars([1, 0, 2], ["a", "b", "c"], "t")).count("<rect") == 3


def test_fhir_populations_refuse_unknown_codes() -> None:
    systems = {"population": "https://hub.example/CodeSystem/p"}
    assert _population("numerator", 3, systems)["count"] == 3
    assert _population("confirmed", 1, systems)["code"]["coding"][0]["system"].endswith("/p")
    with pytest.raises(FhirCodeError):
        _population("avoided", 1, systems)


def test_each_sites_drops_and_quality_records_are_its_own() -> None:
    """The connection figures of each site's section come from its own rows only, in the
    order they were read (grouped once per report, not scanned per site)."""
    q = [QualityRead(site, f"c{i}", 60, 0, False) for i, site in enumerate((1, 2, 1, 3))]
    read = SimpleNamespace(drops=[(1, "c0"), (2, "c1"), (1, "c2"), (1, "c2")], quality=q)
    links = SiteLinks.of(cast(ReportInputs, read))
    assert (links.drops[1], links.drops[2], links.drops[3]) == (3, 1, 0)
    assert links.quality[1] == [q[0], q[2]] and links.quality[3] == [q[3]]
    assert links.quality.get(4) is None
