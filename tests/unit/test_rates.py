"""Rates per 1,000 resident-years, rate ratios with log-method CIs, and their wording; Wilson
intervals of shares."""

from __future__ import annotations

import math

import pytest

from hub.reports.rates import (
    EventRate,
    NotComputable,
    RateRatio,
    calls_per_10_beds,
    describe_change,
    difference_in_differences,
    per_1000_resident_years,
    rate_ratio,
    resident_years,
    wilson,
)


def computed(result: RateRatio | NotComputable) -> RateRatio:
    assert isinstance(result, RateRatio), result
    return result


def test_resident_years_are_residents_times_months_over_twelve() -> None:
    assert resident_years(30, 6) == 15
    assert resident_years(40, 12) == 40


def test_rate_per_1000_resident_years() -> None:
    assert per_1000_resident_years(3, 15) == 200
    assert EventRate(events=7, person_years=35).per_1000_resident_years == 200


def test_rate_needs_person_time() -> None:
    with pytest.raises(ValueError, match="person-time"):
        per_1000_resident_years(3, 0)


def test_calls_per_10_beds() -> None:
    assert calls_per_10_beds(12, 40) == 3
    assert calls_per_10_beds(0, 25) == 0
    with pytest.raises(ValueError, match="beds"):
        calls_per_10_beds(3, 0)


def test_rate_ratio_by_hand() -> None:
    """STANDARDS §8.3: 30 over 100 vs 50 over 100 → RR 0.60, SE 0.231, CI 0.38 to 0.94.

    SE = √(1/30 + 1/50) = 0.230940; ln 0.6 = −0.510826;
    CI = exp(−0.510826 ∓ 1.96 × 0.230940) = exp(−0.963469), exp(−0.058183) = 0.382, 0.943.
    """
    rr = computed(rate_ratio(30, 100, 50, 100))
    assert rr.ratio == pytest.approx(0.6)
    assert round(rr.se_log, 3) == 0.231
    assert (round(rr.lower, 3), round(rr.upper, 3)) == (0.382, 0.943)
    assert not rr.crosses_one


def test_rate_ratio_uses_the_person_time() -> None:
    # 20 over 50 (0.4 per year) vs 30 over 150 (0.2 per year) → RR 2;
    # SE = √(1/20 + 1/30) = 0.288675, CI = 2 × exp(∓0.565803) = 1.136 to 3.522
    rr = computed(rate_ratio(20, 50, 30, 150))
    assert rr.ratio == pytest.approx(2.0)
    se = math.sqrt(1 / 20 + 1 / 30)
    assert rr.lower == pytest.approx(2 * math.exp(-1.96 * se))
    assert (round(rr.lower, 3), round(rr.upper, 3)) == (1.136, 3.522)


@pytest.mark.parametrize(("a", "b"), [(0, 50), (30, 0), (0, 0)])
def test_a_zero_count_is_not_computed(a: int, b: int) -> None:
    result = rate_ratio(a, 100, b, 100)
    assert result == NotComputable("cannot compute: zero count")
    assert describe_change(result) == "cannot compute: zero count"


def test_no_person_time_is_not_computed() -> None:
    assert rate_ratio(3, 0, 5, 10) == NotComputable("cannot compute: no person-time")


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        rate_ratio(-1, 10, 5, 10)


def test_difference_in_differences_by_hand() -> None:
    """STANDARDS §8.3: service 50 → 30, comparison 48 → 45, each per 100 → 0.64 (0.35 to 1.18).

    SE = √(1/50 + 1/30 + 1/48 + 1/45) = √0.0963889 = 0.310466.
    """
    did = computed(
        difference_in_differences(
            service_before=EventRate(50, 100),
            service_after=EventRate(30, 100),
            comparison_before=EventRate(48, 100),
            comparison_after=EventRate(45, 100),
        )
    )
    assert did.ratio == pytest.approx(0.64)
    assert round(did.se_log, 4) == 0.3105
    assert (round(did.lower, 3), round(did.upper, 3)) == (0.348, 1.176)
    assert did.crosses_one
    assert describe_change(did) == (
        "fell by 36% (95% CI from a fall of 65% to a rise of 18%; no clear change)"
    )


def test_difference_in_differences_uses_each_person_time() -> None:
    did = computed(
        difference_in_differences(
            service_before=EventRate(40, 50),  # 0.8 → 0.4: halved
            service_after=EventRate(40, 100),
            comparison_before=EventRate(20, 100),  # 0.2 → 0.2: unchanged
            comparison_after=EventRate(10, 50),
        )
    )
    assert did.ratio == pytest.approx(0.5)


def test_difference_in_differences_with_a_zero_count_is_not_computed() -> None:
    result = difference_in_differences(
        service_before=EventRate(5, 10),
        service_after=EventRate(0, 10),
        comparison_before=EventRate(5, 10),
        comparison_after=EventRate(5, 10),
    )
    assert result == NotComputable("cannot compute: zero count")


# --- wording ------------------------------------------------------------------------------------


def test_a_significant_fall() -> None:
    assert describe_change(RateRatio(0.70, 0.56, 0.88, 0.1)) == "fell by 30% (95% CI 12% to 44%)"
    assert describe_change(rate_ratio(30, 100, 50, 100)) == "fell by 40% (95% CI 6% to 62%)"


def test_a_significant_rise() -> None:
    # 60 vs 40 per 100: RR 1.5, CI 1.005 to 2.238
    assert describe_change(rate_ratio(60, 100, 40, 100)) == "rose by 50% (95% CI 1% to 124%)"


def test_a_rise_whose_interval_includes_no_change() -> None:
    assert describe_change(RateRatio(1.12, 0.97, 1.29, 0.1)) == (
        "rose by 12% (95% CI from a fall of 3% to a rise of 29%; no clear change)"
    )


def test_a_fall_whose_interval_includes_no_change() -> None:
    assert describe_change(RateRatio(0.9, 0.75, 1.07, 0.1)) == (
        "fell by 10% (95% CI from a fall of 25% to a rise of 7%; no clear change)"
    )


def test_no_change_at_all() -> None:
    assert describe_change(rate_ratio(50, 100, 50, 100)) == (
        "did not change (95% CI from a fall of 32% to a rise of 48%; no clear change)"
    )


def test_an_interval_touching_one_says_no_change() -> None:
    assert describe_change(RateRatio(1.2, 1.0, 1.44, 0.1)) == (
        "rose by 20% (95% CI from no change to a rise of 44%; no clear change)"
    )


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [  # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_the_wilson_interval_gives_the_published_figures(
    k: int, n: int, lower: float, upper: float
) -> None:
    low, high = wilson(k, n)
    assert (round(low, 4), round(high, 4)) == (lower, upper)


def test_a_wilson_interval_needs_a_denominator_and_a_count_within_it() -> None:
    with pytest.raises(ValueError):
        wilson(0, 0)
    with pytest.raises(ValueError):
        wilson(4, 3)
