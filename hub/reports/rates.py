"""Rates and rate ratios (REFERENCE §8, STANDARDS §8.3). Pure: no I/O.

- Rates are events per 1,000 resident-years, resident-years = residents × months / 12.
- Rate ratio RR = (a/Tₐ) / (b/T_b) with a log-method 95% CI:
  SE(ln RR) = √(1/a + 1/b); CI = exp(ln RR ± 1.96 × SE).
- Difference in differences = a ratio of rate ratios (after/before in service homes ÷
  after/before in comparison homes), SE = √ of the sum of the four reciprocal counts.
- A share k/n (a proportion of people) has the Wilson score 95% interval (``wilson``),
  which stays within 0 to 1 and is sound for the small counts of one service's month.

With a zero count the log method is undefined: the result says so instead of a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.96
ZERO_COUNT = "cannot compute: zero count"
NO_PERSON_TIME = "cannot compute: no person-time"


def resident_years(residents: float, months: float) -> float:
    """Person-time in resident-years: residents × months / 12."""
    if residents < 0 or months < 0:
        raise ValueError("residents and months must not be negative")
    return residents * months / 12


def per_1000_resident_years(events: int, person_years: float) -> float:
    """Events per 1,000 resident-years."""
    if events < 0:
        raise ValueError("events must not be negative")
    if person_years <= 0:
        raise ValueError("person-time must be positive")
    return 1000 * events / person_years


def calls_per_10_beds(calls: int, beds: int) -> float:
    """Calls per 10 beds (for the period the calls were counted over)."""
    if calls < 0:
        raise ValueError("calls must not be negative")
    if beds <= 0:
        raise ValueError("beds must be positive")
    return 10 * calls / beds


@dataclass(frozen=True, slots=True)
class EventRate:
    """A count of events over a person-time (resident-years)."""

    events: int
    person_years: float

    @property
    def per_1000_resident_years(self) -> float:
        return per_1000_resident_years(self.events, self.person_years)


@dataclass(frozen=True, slots=True)
class RateRatio:
    """A rate ratio (or ratio of rate ratios) with its log-method 95% CI."""

    ratio: float
    lower: float
    upper: float
    se_log: float

    @property
    def crosses_one(self) -> bool:
        """True when the 95% CI includes 1 (no change)."""
        return self.lower <= 1 <= self.upper


@dataclass(frozen=True, slots=True)
class NotComputable:
    """Stands in for a rate ratio the log method cannot give; ``reason`` says why."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def _log_ci(ratio: float, counts: tuple[int, ...]) -> RateRatio:
    se = math.sqrt(sum(1 / c for c in counts))
    log_rr = math.log(ratio)
    return RateRatio(
        ratio=ratio,
        lower=math.exp(log_rr - Z_95 * se),
        upper=math.exp(log_rr + Z_95 * se),
        se_log=se,
    )


def _check(counts: tuple[int, ...], times: tuple[float, ...]) -> NotComputable | None:
    if any(c < 0 for c in counts):
        raise ValueError("event counts must not be negative")
    if any(t < 0 for t in times):
        raise ValueError("person-time must not be negative")
    if any(t == 0 for t in times):
        return NotComputable(NO_PERSON_TIME)
    if any(c == 0 for c in counts):
        return NotComputable(ZERO_COUNT)
    return None


def rate_ratio(a: int, ta: float, b: int, tb: float) -> RateRatio | NotComputable:
    """(a/ta) / (b/tb) with a log-method 95% CI; ``a`` over ``ta`` is the group compared."""
    problem = _check((a, b), (ta, tb))
    if problem is not None:
        return problem
    return _log_ci((a / ta) / (b / tb), (a, b))


def difference_in_differences(
    *,
    service_before: EventRate,
    service_after: EventRate,
    comparison_before: EventRate,
    comparison_after: EventRate,
) -> RateRatio | NotComputable:
    """Ratio of rate ratios: (service after/before) ÷ (comparison after/before).

    Assumes four independent Poisson counts; SE(ln) = √(1/I₀ + 1/I₁ + 1/C₀ + 1/C₁).
    """
    rates = (service_before, service_after, comparison_before, comparison_after)
    counts = tuple(r.events for r in rates)
    problem = _check(counts, tuple(r.person_years for r in rates))
    if problem is not None:
        return problem
    service = (service_after.events / service_after.person_years) / (
        service_before.events / service_before.person_years
    )
    comparison = (comparison_after.events / comparison_after.person_years) / (
        comparison_before.events / comparison_before.person_years
    )
    return _log_ci(service / comparison, counts)


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval of the share k/n (Wilson 1927; Newcombe 1998):
    (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n), p = k/n."""
    if n <= 0:
        raise ValueError("a share needs at least one in the denominator")
    if not 0 <= k <= n:
        raise ValueError("the count must be between 0 and the denominator")
    p, z2 = k / n, Z_95 * Z_95
    centre = p + z2 / (2 * n)
    spread = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    scale = 1 + z2 / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def _percent(ratio: float) -> int:
    """The change a ratio stands for, in whole percent (0.70 → -30, 1.12 → 12)."""
    return round((ratio - 1) * 100)


def _change(percent: int) -> str:
    if percent == 0:
        return "no change"
    return f"a {'rise' if percent > 0 else 'fall'} of {abs(percent)}%"


def describe_change(rr: RateRatio | NotComputable) -> str:
    """The change a rate ratio stands for, in plain words.

    - CI wholly below 1: "fell by 30% (95% CI 12% to 44%)"
    - CI wholly above 1: "rose by 12% (95% CI 3% to 29%)"
    - CI includes 1: "rose by 12% (95% CI from a fall of 3% to a rise of 29%; no clear change)"

    Percentages are whole numbers; a fall's CI is given as the smaller fall first.
    """
    if isinstance(rr, NotComputable):
        return rr.reason
    point, low, high = _percent(rr.ratio), _percent(rr.lower), _percent(rr.upper)
    if rr.crosses_one:
        if point == 0:
            headline = "did not change"
        else:
            headline = f"{'rose' if point > 0 else 'fell'} by {abs(point)}%"
        return f"{headline} (95% CI from {_change(low)} to {_change(high)}; no clear change)"
    if rr.upper < 1:
        return f"fell by {-point}% (95% CI {-high}% to {-low}%)"
    return f"rose by {point}% (95% CI {low}% to {high}%)"
