"""XmR charts: hand-worked limits and each of the four special-cause rules."""

from __future__ import annotations

import pytest

from hub.reports.spc import (
    Improvement,
    Rule,
    Variation,
    mean_moving_range,
    moving_ranges,
    process_limits,
    shift,
    trend,
    xmr_chart,
)

# Twelve baseline points alternating 9, 11: mean 10, every moving range 2, so
# limits 10 ± 5.32 = 4.68 to 15.32 and the near-limit band starts 10 ± 3.5467.
STEADY = [9.0, 11.0] * 6


def flagged(
    values: list[float],
    rule: Rule,
    *,
    shift_length: int = 7,
    trend_length: int = 7,
    baseline_points: int | None = None,
) -> tuple[int, ...]:
    chart = xmr_chart(
        values,
        shift_length=shift_length,
        trend_length=trend_length,
        baseline_points=baseline_points,
    )
    return chart.rule_points[rule]


# --- calculation ---------------------------------------------------------------------------


def test_small_series_by_hand() -> None:
    chart = xmr_chart([1, 3, 2, 4])
    assert chart.mean == 2.5
    assert chart.moving_ranges == (2, 1, 2)
    assert chart.mean_moving_range == pytest.approx(5 / 3)
    assert chart.upper_limit == pytest.approx(2.5 + 2.66 * 5 / 3)  # 6.9333
    assert chart.lower_limit == pytest.approx(2.5 - 2.66 * 5 / 3)  # -1.9333
    assert chart.near_upper == pytest.approx(2.5 + 2.66 * 2 / 3 * 5 / 3)  # 5.4556
    assert chart.near_lower == pytest.approx(2.5 - 2.66 * 2 / 3 * 5 / 3)
    assert round(chart.upper_limit, 4) == 6.9333
    assert all(not p.special_cause for p in chart.points)
    assert chart.variation is Variation.COMMON_CAUSE


def test_standards_worked_example() -> None:
    """STANDARDS §6.1: mean 14.75, mR̄ 3.818, limits 4.59 to 24.91, the 30 is special cause."""
    chart = xmr_chart([12, 15, 11, 14, 13, 16, 12, 14, 15, 13, 12, 30], improvement="down")
    assert chart.mean == 14.75
    assert chart.mean_moving_range == pytest.approx(42 / 11)
    assert round(chart.mean_moving_range, 3) == 3.818
    assert (round(chart.lower_limit, 2), round(chart.upper_limit, 2)) == (4.59, 24.91)
    assert chart.rule_points == {
        Rule.OUTSIDE_LIMITS: (11,),
        Rule.SHIFT: (),
        Rule.TREND: (),
        Rule.TWO_IN_THREE: (),
    }
    assert chart.points[11].rules == {Rule.OUTSIDE_LIMITS}
    assert chart.variation is Variation.SPECIAL_CAUSE_CONCERNING
    assert chart.baseline_note is None


def test_moving_ranges_are_absolute_differences() -> None:
    assert moving_ranges([5, 2, 2, 7]) == [3, 0, 5]


def test_lower_limit_is_floored_at_zero_for_counts() -> None:
    values = [0.0, 1, 0, 2, 0, 1, 0, 3]  # mean 0.875, mR̄ 11/7
    assert xmr_chart(values).lower_limit == pytest.approx(0.875 - 2.66 * 11 / 7)
    chart = xmr_chart(values, counts=True)
    assert chart.lower_limit == 0.0
    assert chart.upper_limit == pytest.approx(0.875 + 2.66 * 11 / 7)
    assert chart.rule_points[Rule.OUTSIDE_LIMITS] == ()


def test_floor_leaves_a_positive_lower_limit_alone() -> None:
    assert process_limits(10.0, 2.0, counts=True) == pytest.approx((4.68, 15.32))


def test_fewer_than_twelve_points_says_so() -> None:
    assert xmr_chart(STEADY[:11]).baseline_note == (
        "Limits are based on 11 points; at least 12 are advised, so treat signals with caution."
    )
    assert xmr_chart(STEADY).baseline_note is None


def test_a_fixed_baseline_sets_the_limits_and_the_note() -> None:
    chart = xmr_chart([*STEADY, 50, 60], baseline_points=12)
    assert (chart.mean, chart.mean_moving_range) == (10, 2)
    assert chart.rule_points[Rule.OUTSIDE_LIMITS] == (12, 13)
    assert xmr_chart(STEADY, baseline_points=5).baseline_note is not None


@pytest.mark.parametrize("values", [[], [3.0]])
def test_a_chart_needs_two_points(values: list[float]) -> None:
    with pytest.raises(ValueError, match="at least 2 points"):
        xmr_chart(values)


def test_rejects_a_baseline_longer_than_the_series() -> None:
    with pytest.raises(ValueError, match="baseline_points"):
        xmr_chart([1, 2, 3], baseline_points=4)


# --- rule 1: outside the limits ------------------------------------------------------------


def test_rule_1_marks_points_beyond_either_limit() -> None:
    chart = xmr_chart([*STEADY, 15.4, 10, 4.6, 10, 15.3], baseline_points=12)
    assert chart.rule_points[Rule.OUTSIDE_LIMITS] == (12, 14)  # 15.3 is just inside 15.32


# --- rule 2: shift -----------------------------------------------------------------------------

# Seven below the mean (10.857) then seven above; no other rule fires.
SHIFTED = [8.0, 10, 8, 10, 8, 10, 8, 12, 14, 12, 14, 12, 14, 12]


def test_rule_2_marks_every_point_of_a_run_of_seven() -> None:
    chart = xmr_chart(SHIFTED)
    assert chart.rule_points == {
        Rule.OUTSIDE_LIMITS: (),
        Rule.SHIFT: tuple(range(14)),
        Rule.TREND: (),
        Rule.TWO_IN_THREE: (),
    }


def test_rule_2_does_not_fire_for_runs_shorter_than_the_setting() -> None:
    assert flagged(SHIFTED, Rule.SHIFT, shift_length=8) == ()


def test_rule_2_run_length_is_a_setting() -> None:
    assert shift([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], 0.5, 6) == [True] * 12
    assert shift([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], 0.5) == [False] * 12


def test_rule_2_a_point_on_the_mean_breaks_the_run() -> None:
    # mean exactly 10: seven below, then 3 above, one on the mean, 4 above
    values = [8.0, 6, 8, 6, 8, 6, 8, 12, 14, 12, 10, 14, 12, 14, 12]
    chart = xmr_chart(values)
    assert chart.mean == 10
    assert chart.rule_points[Rule.SHIFT] == (0, 1, 2, 3, 4, 5, 6)
    assert chart.rule_points[Rule.TWO_IN_THREE] == ()


# --- rule 3: trend ----------------------------------------------------------------------------


def test_rule_3_marks_seven_rising_points() -> None:
    chart = xmr_chart([10, 4, 5, 6, 7, 8, 9, 10, 6, 8, 7], improvement="up")
    assert chart.rule_points == {
        Rule.OUTSIDE_LIMITS: (),
        Rule.SHIFT: (),
        Rule.TREND: (1, 2, 3, 4, 5, 6, 7),
        Rule.TWO_IN_THREE: (),
    }
    # side of the mean (7.27) decides improving or concerning, as in NHSRplotthedots
    assert [p.variation for p in chart.points[1:8]] == [
        *[Variation.SPECIAL_CAUSE_CONCERNING] * 4,
        *[Variation.SPECIAL_CAUSE_IMPROVING] * 3,
    ]


def test_rule_3_marks_seven_falling_points() -> None:
    assert flagged([4, 10, 9, 8, 7, 6, 5, 4, 8, 6, 7], Rule.TREND) == (1, 2, 3, 4, 5, 6, 7)


def test_rule_3_equal_neighbours_break_the_trend() -> None:
    assert flagged([10, 4, 5, 6, 6, 7, 8, 9, 10, 6, 8], Rule.TREND) == ()


def test_rule_3_six_rising_points_fire_only_with_a_length_of_six() -> None:
    values = [10.0, 4, 5, 6, 7, 8, 9, 6, 8, 7]
    assert flagged(values, Rule.TREND) == ()
    assert flagged(values, Rule.TREND, trend_length=6) == (1, 2, 3, 4, 5, 6)


def test_rule_3_a_peak_can_end_one_trend_and_start_another() -> None:
    assert trend([1, 2, 3, 2, 1], 3) == [True] * 5


# --- rule 4: two in three ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ([14, 11, 14], (12, 14)),  # two near the upper limit, middle point not marked
        ([14, 14, 11], (12, 13)),
        ([6, 9, 6], (12, 14)),  # near the lower limit
        ([14, 9, 14], ()),  # middle point on the other side of the mean
        ([14, 11, 13], ()),  # only one beyond two thirds (13.5467)
        ([16, 11, 14], ()),  # a point beyond the limit does not count
    ],
)
def test_rule_4_two_of_three_near_a_limit(tail: list[float], expected: tuple[int, ...]) -> None:
    assert flagged([*STEADY, *tail], Rule.TWO_IN_THREE, baseline_points=12) == expected


def test_rule_4_points_are_improving_on_the_better_side() -> None:
    chart = xmr_chart([*STEADY, 6, 9, 6], baseline_points=12, improvement="down")
    assert [p.variation for p in chart.points[12:]] == [
        Variation.SPECIAL_CAUSE_IMPROVING,
        Variation.COMMON_CAUSE,
        Variation.SPECIAL_CAUSE_IMPROVING,
    ]
    assert chart.variation is Variation.SPECIAL_CAUSE_IMPROVING


# --- variation labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("improvement", "variation"),
    [
        ("up", Variation.SPECIAL_CAUSE_IMPROVING),
        ("down", Variation.SPECIAL_CAUSE_CONCERNING),
        (None, Variation.SPECIAL_CAUSE_NEUTRAL_HIGH),
    ],
)
def test_a_high_signal_is_labelled_by_the_direction_of_good(
    improvement: Improvement, variation: Variation
) -> None:
    chart = xmr_chart([*STEADY, 20], improvement=improvement)
    assert chart.variation is variation


def test_a_low_signal_with_no_direction_is_neutral_low() -> None:
    assert xmr_chart([*STEADY, 0], baseline_points=12).variation is (
        Variation.SPECIAL_CAUSE_NEUTRAL_LOW
    )


def test_the_chart_records_the_rule_lengths_used() -> None:
    chart = xmr_chart(STEADY, shift_length=6, trend_length=6)
    assert (chart.shift_length, chart.trend_length) == (6, 6)
    assert chart.rule_variant == "shift 6, trend 6, no screening"


def test_a_flat_series_is_neither_a_shift_nor_a_trend() -> None:
    chart = xmr_chart([5.0] * 8)
    assert (chart.mean, chart.lower_limit, chart.upper_limit) == (5, 5, 5)
    assert all(not p.special_cause for p in chart.points)


# --- moving-range screening (NHSRplotthedots screen_outliers) -------------------------------


def test_screening_the_standards_example_by_hand() -> None:
    """Ranges 3,4,3,1,3,4,2,1,2,1,18: mR̄ 42/11 = 3.818, cut 3.267 × 3.818 = 12.47, so the 18
    is left out and mR̄ = 24/10 = 2.4; the mean stays 14.75; limits 14.75 ± 6.384."""
    values = [12, 15, 11, 14, 13, 16, 12, 14, 15, 13, 12, 30]
    chart = xmr_chart(values, screen_outliers=True)
    assert chart.mean == 14.75
    assert chart.screened_ranges == (10,)
    assert chart.mean_moving_range == pytest.approx(2.4)
    assert chart.lower_limit == pytest.approx(14.75 - 2.66 * 2.4)  # 8.366
    assert chart.upper_limit == pytest.approx(14.75 + 2.66 * 2.4)  # 21.134
    assert chart.near_upper == pytest.approx(14.75 + 2.66 * 2 / 3 * 2.4)  # 19.006
    assert chart.rule_points[Rule.OUTSIDE_LIMITS] == (11,)
    assert chart.rule_variant == "shift 7, trend 7, moving ranges screened"
    plain = xmr_chart(values)  # the Making Data Count Excel tool: nothing screened
    assert plain.screened_ranges == ()
    assert plain.mean_moving_range == pytest.approx(42 / 11)


def test_screening_reveals_a_point_the_outlier_hid() -> None:
    """10,12 ×5 then 40, 20: ranges 2 (×9), 28, 20; mR̄ 66/11 = 6, cut 19.602, so 28 and 20
    are left out and mR̄ = 18/9 = 2. Mean 170/12 = 14.1667 either way.
    Screened: limits 8.8467 to 19.4867, so 40 and 20 are outside.
    Not screened: limits −1.79 to 30.1267, so only 40 is; 20 is not even near (24.807)."""
    values = [10.0, 12.0] * 5 + [40.0, 20.0]
    screened = xmr_chart(values, screen_outliers=True)
    assert screened.mean == pytest.approx(170 / 12)
    assert screened.screened_ranges == (9, 10)
    assert screened.mean_moving_range == 2.0
    assert screened.upper_limit == pytest.approx(170 / 12 + 5.32)
    assert screened.rule_points[Rule.OUTSIDE_LIMITS] == (10, 11)
    assert screened.variation is Variation.SPECIAL_CAUSE_NEUTRAL_HIGH

    plain = xmr_chart(values)
    assert plain.mean_moving_range == 6.0
    assert plain.upper_limit == pytest.approx(170 / 12 + 15.96)
    assert plain.rule_points[Rule.OUTSIDE_LIMITS] == (10,)
    assert plain.rule_points[Rule.TWO_IN_THREE] == ()
    assert plain.variation is Variation.COMMON_CAUSE
    # The first ten points lie below the mean in both modes: a shift.
    assert screened.rule_points[Rule.SHIFT] == plain.rule_points[Rule.SHIFT] == tuple(range(10))


def test_a_range_exactly_at_the_cut_is_screened() -> None:
    """Ranges 3.267, 0.733, 0, 0: mR̄ 1, cut 3.267, and ≥ screens it (NHSRplotthedots keeps
    only ranges strictly below the cut); mR̄ becomes 0.733 / 3."""
    mean, screened = mean_moving_range([3.267, 0.733, 0.0, 0.0], screen_outliers=True)
    assert screened == [0]
    assert mean == pytest.approx(0.733 / 3)
    assert mean_moving_range([3.267, 0.733, 0.0, 0.0], screen_outliers=False) == (1.0, [])


def test_limits_collapse_onto_the_mean_when_screening_leaves_only_zero_ranges() -> None:
    """5 ×11 then 50: ranges 0 (×10) and 45; mR̄ 45/11 = 4.09, cut 13.36, so the 45 goes
    and mR̄ = 0. Mean (55 + 50)/12 = 8.75; both limits and the near-limit band are 8.75, so
    every point lies outside them."""
    chart = xmr_chart([5.0] * 11 + [50.0], screen_outliers=True, counts=True)
    assert chart.mean == 8.75
    assert chart.screened_ranges == (10,)
    assert chart.mean_moving_range == 0
    assert (chart.lower_limit, chart.upper_limit) == (8.75, 8.75)
    assert (chart.near_lower, chart.near_upper) == (8.75, 8.75)
    assert chart.rule_points[Rule.OUTSIDE_LIMITS] == tuple(range(12))
    plain = xmr_chart([5.0] * 11 + [50.0], counts=True)
    assert plain.upper_limit == pytest.approx(8.75 + 2.66 * 45 / 11)  # 19.63
    assert plain.rule_points[Rule.OUTSIDE_LIMITS] == (11,)


def test_a_flat_series_has_nothing_to_screen() -> None:
    """Every range 0: mR̄ 0 and nothing is left out (NHSRplotthedots would be left with no
    range at all); the limits lie on the mean and no point is outside them."""
    chart = xmr_chart([4.0] * 12, screen_outliers=True)
    assert chart.screened_ranges == ()
    assert (chart.lower_limit, chart.mean, chart.upper_limit) == (4, 4, 4)
    assert all(not p.special_cause for p in chart.points)


def test_screening_rests_on_the_baseline_only() -> None:
    """The 50 → 60 jump lies after the fixed baseline, so it is neither a range of the mean
    nor screened."""
    chart = xmr_chart([*STEADY, 50, 60], baseline_points=12, screen_outliers=True)
    assert (chart.mean, chart.mean_moving_range, chart.screened_ranges) == (10, 2, ())
