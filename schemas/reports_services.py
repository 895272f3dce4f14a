"""The report's service sections: prisons (escorts avoided) and the Gold Line (outcomes
and deaths)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import (
    Field,
)

from .reports_base import Count, Report, Tally


class PrisonRow(Report):
    """One prison healthcare unit's month (docs/report-method.md, "Prisons")."""

    ods: str
    name: str
    urgent_calls: Tally = Field(description="prison_urgent calls with a clinical disposition")
    escort_expected: Tally = Field(
        description="calls whose counterfactual was an escort (A&E, outpatients, bed watch)"
    )
    escorts_avoided_claimed: Tally = Field(
        description="escort expected, and the record says no escorted transfer was needed"
    )
    escorts_avoided_confirmed: Tally = Field(
        description="claimed, and the 72-hour follow-up found no A&E visit and no admission"
    )
    escorts_avoided_unverified: Tally = Field(description="claimed, follow-up not yet known")
    helped_there_and_then: Tally = Field(
        description="recorded prison calls (urgent and clinic) needing no escorted transfer"
    )
    recorded_calls: Tally = Field(description="prison calls whose record says either way")
    share_helped: float | None = Field(description="helped_there_and_then / recorded_calls")
    appointments_held: Tally
    appointments_did_not_attend: Tally
    did_not_attend_rate: float | None = Field(description="DNA / (held + DNA)")
    mean_days_booking_to_appointment: float | None = Field(
        description="mean days from booking to the slot, over appointments held or missed"
    )


class PrisonSection(Report):
    prisons: list[PrisonRow]
    total: PrisonRow = Field(description="every prison in the report's area together")
    escort_cost: str = Field(description="the unit cost of an escort and its source, or why none")
    escort_money_gbp: Decimal | None = Field(
        default=None, description="omitted while no published unit cost is known"
    )


class GoldLineOutcomeCount(Report):
    """One Gold Line outcome code: how many of the month's Gold Line calls led to it."""

    code: str
    label: str
    count: Tally
    share: float | None = Field(description="count / Gold Line calls with an outcome recorded")


class Proportion(Report):
    """A share with its Wilson score 95% confidence interval (``hub.reports.rates.wilson``);
    all None when there is nothing to divide by or a count it is made from is not shown."""

    share: float | None
    lower: float | None
    upper: float | None


class GoldLineSection(Report):
    """The Gold Line's month (docs/report-method.md §2c): its calls and their outcomes, the
    people it supported, and the deaths of people on the palliative register at the area's
    sites, set against where they wished to die and against the national share in hospital."""

    calls: Tally = Field(description="gold_line calls started in the month, whatever their state")
    calls_with_outcome: Tally = Field(description="Gold Line calls with an outcome recorded")
    calls_without_outcome: Tally = Field(description="not (yet) closed with an outcome")
    outcomes: list[GoldLineOutcomeCount] = Field(description="every outcome code, zeros included")
    people_supported: Tally = Field(
        description="distinct people (NHS numbers) with a Gold Line call in the month"
    )
    deaths: Tally = Field(description="deaths in the month of people on the register")
    deaths_by_place: list[Count] = Field(description="every place of death, zeros included")
    deaths_with_stated_preference: Tally = Field(
        description="deaths whose preferred place (current at the death) was a place"
    )
    deaths_without_stated_preference: Tally = Field(
        description="preferred place not_discussed or no_preference: not in the denominator"
    )
    deaths_in_preferred_place: Tally
    preferred_place: Proportion = Field(
        description="deaths in the preferred place / deaths with a stated preference"
    )
    deaths_place_known: Tally = Field(description="deaths whose place is not unknown")
    deaths_in_hospital: Tally
    hospital: Proportion = Field(description="deaths in hospital / deaths with the place known")
    national_hospital_share: float = Field(description="the national share of deaths in hospital")
    national_source: str = Field(description="where the national figure comes from")
    preference_rule: str = Field(description="who is in the preferred-place denominator, in words")
