"""XmR charts in the NHS "Making Data Count" style (REFERENCE §6, STANDARDS §6).

Centre line = mean; moving ranges |xᵢ − xᵢ₋₁|; process limits = mean ± 2.66 × mean moving
range (the lower limit floored at 0 for counts).

Moving-range screening (``screen_outliers``, NHSRplotthedots' ``screen_outliers``, its
default): a moving range ≥ 3.267 × the mean moving range is left out and the mean moving
range is recomputed once from the ranges that remain; the mean is unchanged. Without it
the calculation is the NHS Making Data Count Excel tool's. When the mean moving range is
already 0 nothing is screened (every range is 0; NHSRplotthedots would have no range left
and no limits), so the limits lie on the mean.

Four special-cause rules, as in NHSRplotthedots ("plot the dots"):

1. a point outside the process limits (strictly above the upper or below the lower);
2. shift: ``shift_length`` (default 7) or more consecutive points on the same side of the
   mean; a point exactly on the mean breaks the run; every point of the run is marked;
3. trend: ``trend_length`` (default 7) or more consecutive points each strictly higher (or
   each strictly lower) than the one before; equal neighbours break the trend; every point
   of the run is marked;
4. two in three: of three consecutive points, all on the same side of the mean, at least
   two lie in the near-limit band (beyond 2/3 of the way from the mean to a limit, but not
   outside the limits); only those near-limit points are marked.

Pure functions over ``list[float]``; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby
from statistics import fmean
from typing import Literal, NamedTuple

LIMIT_FACTOR = 2.66
SCREEN_FACTOR = 3.267
"""D₄ for moving ranges of two points: a range this many times the mean or more is screened."""
"""3 / d₂ with d₂ = 1.128 for moving ranges of two points."""
NEAR_LIMIT_FACTOR = 2 * LIMIT_FACTOR / 3
"""Two thirds of the way from the mean to a process limit (≈ 1.773)."""
MIN_BASELINE_POINTS = 12
DEFAULT_RUN_LENGTH = 7

Improvement = Literal["up", "down"] | None
"""Which way is better for the measure; None when neither is."""


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"


_RULE_ORDER = (Rule.OUTSIDE_LIMITS, Rule.SHIFT, Rule.TREND, Rule.TWO_IN_THREE)
_RULE_SETS = tuple(
    frozenset(rule for bit, rule in enumerate(_RULE_ORDER) if mask >> bit & 1) for mask in range(16)
)
"""Every set of rules a point can be marked by, indexed by a bit mask in ``_RULE_ORDER``."""


class Variation(StrEnum):
    COMMON_CAUSE = "common_cause"
    SPECIAL_CAUSE_IMPROVING = "special_cause_improving"
    SPECIAL_CAUSE_CONCERNING = "special_cause_concerning"
    SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
    SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"


class XmrPoint(NamedTuple):
    """One point of a chart (a named tuple: a report builds tens of thousands of them)."""

    value: float
    rules: frozenset[Rule]
    variation: Variation

    @property
    def special_cause(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True, slots=True)
class XmrChart:
    """Everything a renderer needs to draw one XmR chart and label it."""

    points: tuple[XmrPoint, ...]
    mean: float
    moving_ranges: tuple[float, ...]  # n − 1 ranges; moving_ranges[i] is |x[i+1] − x[i]|
    mean_moving_range: float  # after screening, when ``screen_outliers``
    screen_outliers: bool
    screened_ranges: tuple[int, ...]  # indices into ``moving_ranges`` left out of the mean
    lower_limit: float
    upper_limit: float
    near_lower: float  # mean − 2/3 of the distance to the (unfloored) lower limit
    near_upper: float
    baseline_points: int  # how many leading points the mean and limits rest on
    counts: bool
    improvement: Improvement
    shift_length: int
    trend_length: int

    @property
    def rule_points(self) -> Mapping[Rule, tuple[int, ...]]:
        """The indices of the points each rule marked (worked out when asked: a report
        draws tens of thousands of charts and reads only their points)."""
        return {
            rule: tuple(i for i, p in enumerate(self.points) if rule in p.rules)
            for rule in _RULE_ORDER
        }

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(p.value for p in self.points)

    @property
    def variation(self) -> Variation:
        """The summary label: the latest point's variation."""
        return self.points[-1].variation

    @property
    def rule_variant(self) -> str:
        """Which rule lengths produced the flags, for the report's footnote."""
        screening = "moving ranges screened" if self.screen_outliers else "no screening"
        return f"shift {self.shift_length}, trend {self.trend_length}, {screening}"

    @property
    def baseline_note(self) -> str | None:
        """A caution when the limits rest on fewer than 12 points; else None."""
        if self.baseline_points >= MIN_BASELINE_POINTS:
            return None
        return (
            f"Limits are based on {self.baseline_points} points; at least "
            f"{MIN_BASELINE_POINTS} are advised, so treat signals with caution."
        )


def moving_ranges(values: Sequence[float]) -> list[float]:
    """|xᵢ − xᵢ₋₁| for i = 2…n."""
    return [abs(b - a) for a, b in zip(values, values[1:], strict=False)]


def mean_moving_range(ranges: Sequence[float], *, screen_outliers: bool) -> tuple[float, list[int]]:
    """The mean moving range and the indices of the ranges screened out of it.

    With ``screen_outliers``, ranges ≥ 3.267 × the mean are left out and the mean recomputed
    once from the rest (NHSRplotthedots); with a mean of 0 there is nothing to screen.
    """
    mean = fmean(ranges)
    if not screen_outliers or mean == 0:
        return mean, []
    cut = SCREEN_FACTOR * mean
    screened = [i for i, r in enumerate(ranges) if r >= cut]
    kept = [r for r in ranges if r < cut]
    return fmean(kept), screened


def process_limits(mean: float, mean_moving_range: float, *, counts: bool) -> tuple[float, float]:
    """(lower, upper) = mean ± 2.66 × mR̄; the lower limit floored at 0 when ``counts``."""
    lower = mean - LIMIT_FACTOR * mean_moving_range
    upper = mean + LIMIT_FACTOR * mean_moving_range
    return (max(lower, 0.0) if counts else lower), upper


def _side(value: float, mean: float) -> int:
    return (value > mean) - (value < mean)


def outside_limits(values: Sequence[float], lower: float, upper: float) -> list[bool]:
    """Rule 1: points strictly above the upper or below the lower process limit."""
    return [v > upper or v < lower for v in values]


def _mark_runs(keys: Sequence[int], length: int) -> list[int]:
    """Mark (with its key) every element of a run of ≥ ``length`` equal non-zero keys."""
    marks: list[int] = []
    for key, run in groupby(keys):
        n = len(list(run))
        marks += [key if key and n >= length else 0] * n
    return marks


def shift(values: Sequence[float], mean: float, length: int = DEFAULT_RUN_LENGTH) -> list[bool]:
    """Rule 2: points in a run of ≥ ``length`` on one side of the mean (on it breaks the run)."""
    return [m != 0 for m in _mark_runs([_side(v, mean) for v in values], length)]


def _trend_directions(values: Sequence[float], length: int) -> list[int]:
    """+1 / −1 for points in a rising / falling run of ≥ ``length`` points, else 0."""
    steps = [(b > a) - (b < a) for a, b in zip(values, values[1:], strict=False)]
    # A run of k equal steps spans k + 1 points.
    step_marks = _mark_runs(steps, length - 1)
    directions = [0] * len(values)
    for i, mark in enumerate(step_marks):
        if mark:
            for j in (i, i + 1):
                directions[j] = directions[j] or mark
    return directions


def trend(values: Sequence[float], length: int = DEFAULT_RUN_LENGTH) -> list[bool]:
    """Rule 3: points in a run of ≥ ``length`` each strictly above (or below) the one before."""
    return [d != 0 for d in _trend_directions(values, length)]


def two_in_three(
    values: Sequence[float],
    mean: float,
    *,
    lower: float,
    upper: float,
    near_lower: float,
    near_upper: float,
) -> list[bool]:
    """Rule 4: near-limit points in a window of 3, all one side of the mean, ≥ 2 near-limit."""
    sides = [_side(v, mean) for v in values]
    return [bool(m) for m in _two_in_three(values, sides, lower, upper, near_lower, near_upper)]


def _two_in_three(
    values: Sequence[float],
    sides: Sequence[int],
    lower: float,
    upper: float,
    near_lower: float,
    near_upper: float,
) -> list[int]:
    """Rule 4 as 1 / 0 for each point, given each point's side of the mean."""
    near = [lower <= v <= upper and (v > near_upper or v < near_lower) for v in values]
    marks = [0] * len(values)
    for i in range(len(values) - 2):
        side = sides[i]
        if (
            side
            and sides[i + 1] == side == sides[i + 2]
            and near[i] + near[i + 1] + near[i + 2] >= 2
        ):
            for j in (i, i + 1, i + 2):
                if near[j]:
                    marks[j] = 1
    return marks


def _variation(side: int, improvement: Improvement) -> Variation:
    if improvement is None:
        return (
            Variation.SPECIAL_CAUSE_NEUTRAL_HIGH
            if side > 0
            else Variation.SPECIAL_CAUSE_NEUTRAL_LOW
        )
    better = 1 if improvement == "up" else -1
    return (
        Variation.SPECIAL_CAUSE_IMPROVING if side == better else Variation.SPECIAL_CAUSE_CONCERNING
    )


def xmr_chart(
    values: Sequence[float],
    *,
    improvement: Improvement = None,
    counts: bool = False,
    shift_length: int = DEFAULT_RUN_LENGTH,
    trend_length: int = DEFAULT_RUN_LENGTH,
    baseline_points: int | None = None,
    screen_outliers: bool = False,
) -> XmrChart:
    """Build an XmR chart.

    The mean and limits rest on the first ``baseline_points`` values (default: all of them);
    the rules are applied to every value. With ``screen_outliers`` the mean moving range is
    screened as NHSRplotthedots does (``mean_moving_range``). A special-cause point's
    variation follows its side of the mean (NHSRplotthedots); a trend point exactly on the
    mean takes its trend's direction instead.
    """
    xs = [float(v) for v in values]
    n = len(xs)
    if n < 2:
        raise ValueError("an XmR chart needs at least 2 points")
    if not all(map(math.isfinite, xs)):
        raise ValueError("XmR values must be finite numbers")
    if shift_length < 2 or trend_length < 2:
        raise ValueError("shift and trend lengths must be at least 2")
    baseline = n if baseline_points is None else baseline_points
    if not 2 <= baseline <= n:
        raise ValueError(f"baseline_points must be between 2 and {n}")

    # One pass for each list the rules need (a hub-wide report draws tens of thousands
    # of charts); the same figures as the rules' functions above.
    ranges = moving_ranges(xs)
    mean = fmean(xs if baseline == n else xs[:baseline])
    mean_mr, screened = mean_moving_range(
        ranges if baseline == n else ranges[: baseline - 1], screen_outliers=screen_outliers
    )
    lower, upper = process_limits(mean, mean_mr, counts=counts)
    near_lower = mean - NEAR_LIMIT_FACTOR * mean_mr
    near_upper = mean + NEAR_LIMIT_FACTOR * mean_mr

    sides = [(v > mean) - (v < mean) for v in xs]
    directions = _trend_directions(xs, trend_length)
    near = _two_in_three(xs, sides, lower, upper, near_lower, near_upper)
    masks = [
        (v > upper or v < lower) | (run != 0) << 1 | (d != 0) << 2 | t << 3
        for v, run, d, t in zip(xs, _mark_runs(sides, shift_length), directions, near, strict=True)
    ]

    common, unmarked = Variation.COMMON_CAUSE, _RULE_SETS[0]
    points = [
        XmrPoint(v, _RULE_SETS[mask], _variation(side or d, improvement))
        if mask
        else XmrPoint(v, unmarked, common)
        for v, mask, side, d in zip(xs, masks, sides, directions, strict=True)
    ]

    return XmrChart(
        points=tuple(points),
        mean=mean,
        moving_ranges=tuple(moving_ranges(xs)),
        mean_moving_range=mean_mr,
        screen_outliers=screen_outliers,
        screened_ranges=tuple(screened),
        lower_limit=lower,
        upper_limit=upper,
        near_lower=near_lower,
        near_upper=near_upper,
        baseline_points=baseline,
        counts=counts,
        improvement=improvement,
        shift_length=shift_length,
        trend_length=trend_length,
    )
