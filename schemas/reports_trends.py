"""A report's trends: SPC charts, rate changes and hospital activity beside the hub's calls."""

from __future__ import annotations

from datetime import date

from pydantic import (
    Field,
)

from .bounds import Counted
from .reports_base import Report, Tally


class SpcPoint(Report):
    month: str
    value: float
    special_cause: bool
    rules: list[str]
    variation: str


class SpcChart(Report):
    title: str
    points: list[SpcPoint]
    mean: float
    lower_limit: float
    upper_limit: float
    variation: str = Field(description="variation of the latest point")
    rule_variant: str
    baseline_note: str | None


class RateChange(Report):
    """A rate ratio (or ratio of rate ratios) with its CI, and the words that say it."""

    ratio: float | None
    lower: float | None
    upper: float | None
    words: str


class ActivityRates(Report):
    events_before: Tally
    resident_years_before: float
    events_after: Tally
    resident_years_after: float
    per_1000_before: float | None
    per_1000_after: float | None
    change: RateChange


class ActivityMeasure(Report):
    """One measure (A&E attendances or emergency admissions) for a home or the area."""

    service: ActivityRates
    comparison: ActivityRates | None
    difference_in_differences: RateChange | None
    summary: str


class HomeActivity(Report):
    ods: str
    name: str
    go_live: date
    split_month: str = Field(description="the go-live month, left out of both periods")
    before: list[str] = Field(description="first and last month of the before period")
    after: list[str]
    ed_attendances: ActivityMeasure
    emergency_admissions: ActivityMeasure


class HospitalComparison(Report):
    service_homes: Counted
    comparison_homes: list[str] = Field(description="ODS codes of homes not on the service")
    homes: list[HomeActivity]
    area_ed_attendances: ActivityMeasure | None
    area_emergency_admissions: ActivityMeasure | None
    notes: list[str]
