"""The monthly commissioner report as it travels: JSON (API and CLI), and the one model the
CSV, HTML, PDF and FHIR renderers read. The method behind every figure is in
``docs/report-method.md``.

Money is a decimal string in pounds to the penny ("693.00"), so no figure is rounded twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
)

from .bounds import Counted
from .codes import SiteKind
from .reports_base import (
    SMALL as SMALL,
)
from .reports_base import (
    WITHHELD as WITHHELD,
)
from .reports_base import (
    Count as Count,
)
from .reports_base import (
    Disclosure as Disclosure,
)
from .reports_base import (
    Month as Month,
)
from .reports_base import (
    MonthlyReportQuery as MonthlyReportQuery,
)
from .reports_base import (
    Report as Report,
)
from .reports_base import (
    ReportFormat as ReportFormat,
)
from .reports_base import (
    Tally as Tally,
)
from .reports_services import (
    GoldLineOutcomeCount as GoldLineOutcomeCount,
)
from .reports_services import (
    GoldLineSection as GoldLineSection,
)
from .reports_services import (
    PrisonRow as PrisonRow,
)
from .reports_services import (
    PrisonSection as PrisonSection,
)
from .reports_services import (
    Proportion as Proportion,
)
from .reports_trends import (
    ActivityMeasure as ActivityMeasure,
)
from .reports_trends import (
    ActivityRates as ActivityRates,
)
from .reports_trends import (
    HomeActivity as HomeActivity,
)
from .reports_trends import (
    HospitalComparison as HospitalComparison,
)
from .reports_trends import (
    RateChange as RateChange,
)
from .reports_trends import (
    SpcChart as SpcChart,
)
from .reports_trends import (
    SpcPoint as SpcPoint,
)


class AvoidedCount(Report):
    """One measure's counts. ``claimed`` = confirmed + unverified + refuted."""

    claimed: Tally
    confirmed: Tally
    unverified: Tally
    refuted: Tally


class ClaimedCount(Report):
    """A measure with no confirmation step (GP contact): only claims are counted."""

    claimed: Tally


class Avoided(Report):
    ambulance: AvoidedCount
    ed_attendance: AvoidedCount
    admission: AvoidedCount
    gp_contact: ClaimedCount


class SiteKindRow(Report):
    code: SiteKind
    label: str
    sites: Counted = Field(description="sites of this kind on the service")
    calls: Tally
    beds: Counted | None = Field(description="registered beds of the care homes of this kind")
    calls_per_10_beds: float | None


class AnswerTimes(Report):
    answered: Tally
    not_answered: Tally
    median_seconds: float | None
    p90_seconds: float | None = Field(description="90th centile, nearest-rank method")
    target_seconds: Counted
    within_target: Tally
    share_within_target: float | None = Field(description="within_target / answered")


class Specialists(Report):
    calls_with_specialist: Tally = Field(description="calls with specialist_joined or _callback")
    joined: Tally
    callbacks: Tally
    timed_joins: Tally = Field(description="joins with a recorded time (live calls only)")
    median_minutes_to_join: float | None


NOT_RECORDED = (
    "calls with no clinical disposition recorded (not_recorded: the retired "
    "call_failed_technical); a failed connection is counted under connection, not here"
)


class CallSummary(Report):
    total: Tally
    clinical: Tally = Field(description="calls with a clinical disposition")
    not_recorded: Tally = Field(description=NOT_RECORDED)
    no_outcome: Tally = Field(description="calls with no disposition recorded")
    by_channel: list[Count]
    by_site_kind: list[SiteKindRow]
    by_reason: list[Count]
    by_hour: list[Tally] = Field(description="24 counts, hour 0-23, Europe/London time")
    by_weekday: list[Tally] = Field(description="7 counts, Monday first, Europe/London time")


MoneyBasis = Literal["confirmed", "claimed"]


class MoneyRow(Report):
    measure: str
    label: str
    confirmed: Tally
    basis: MoneyBasis = Field(
        description="what is costed: confirmed counts, or claims where the measure has no "
        "confirmation step (GP contacts)"
    )
    costed: Tally = Field(description="the count the amount is for (confirmed or claimed)")
    unit_cost_gbp: Decimal | None
    amount_gbp: Decimal | None = Field(description="costed × unit cost")


class Money(Report):
    rows: list[MoneyRow]
    total_gbp: Decimal | None = Field(description="value of confirmed avoided activity")
    claimed_basis_gbp: Decimal | None = Field(
        description="value of claimed activity that has no confirmation step (GP contacts), "
        "kept out of total_gbp"
    )
    total_with_claimed_gbp: Decimal | None = Field(description="total_gbp + claimed_basis_gbp")
    cost_table: str = Field(description="name, version and price years of the cost table")
    sources: list[str]


class Rates(Report):
    beds: Counted = Field(description="registered beds of the care homes on the service")
    care_home_calls: Tally
    calls_per_10_beds: float | None
    residents: Tally = Field(description="residents of the care homes this month")
    residents_basis: str = Field(description="where the residents figure came from")
    resident_years: float | None
    avoided_admissions_per_1000_resident_years: float | None
    avoided_ed_attendances_per_1000_resident_years: float | None


class PeriodSummary(Report):
    label: str
    first_month: str
    last_month: str
    calls: Tally
    not_recorded: Tally = Field(description=NOT_RECORDED)
    avoided: Avoided
    bed_days_avoided: Decimal | None
    money_gbp: Decimal | None = Field(description="value of confirmed avoided activity")
    claimed_basis_gbp: Decimal | None = Field(
        description="value of claimed GP contacts, kept apart"
    )


class Comparison(Report):
    this_month: PeriodSummary
    last_month: PeriodSummary
    year_to_date: PeriodSummary


class ConnectionQuality(Report):
    """How well calls connected, counted apart from what happened clinically."""

    calls: Tally
    calls_with_drop: Tally = Field(
        description="calls in which a participant's connection was lost and not resumed "
        "within the resume window"
    )
    technical_failures: Tally = Field(
        description="calls that ended by a failure, as their call-quality record says "
        "(call/quality, or the hub's record of a retired call_failed_technical)"
    )
    share_with_drop: float | None = Field(description="calls_with_drop / calls")
    calls_reported: Tally = Field(
        default=0, description="calls whose clients reported how they went (call/quality)"
    )
    calls_audio_only: Tally = Field(
        default=0, description="reported calls with any time connected by audio alone"
    )
    video_minutes: float = Field(default=0, description="minutes with video, as reported")
    audio_only_minutes: float = Field(default=0, description="minutes by audio alone")
    share_audio_only: float | None = Field(
        default=None, description="audio_only_minutes / (video_minutes + audio_only_minutes)"
    )


class SiteReport(Report):
    ods: str
    name: str
    site_kind: SiteKind
    beds: Counted | None
    go_live: date | None
    on_service: bool = Field(
        description="gone live by the month's end (or, with no go-live "
        "date, a call in the last 24 months)"
    )
    calls: Tally
    not_recorded: Tally = Field(description=NOT_RECORDED)
    calls_per_10_beds: float | None
    avoided: Avoided
    bed_days_avoided: Decimal | None
    connection: ConnectionQuality
    engagement_watch: bool
    engagement_watch_since: str | None = Field(
        default=None, description="YYYY-MM: the month the fall in calls began, when on watch"
    )
    spc_calls: SpcChart | None
    spc_avoided_admissions: SpcChart | None


class WatchedHome(Report):
    """A home whose calls fell beyond normal variation (special cause, low side)."""

    ods: str
    name: str
    commissioner: str = Field(description="ODS code of the home's commissioner")
    since: str = Field(description="YYYY-MM: the month the fall began")


class Totals(Report):
    calls: Tally
    not_recorded: Tally = Field(description=NOT_RECORDED)
    avoided: Avoided
    bed_days_avoided: Decimal | None


class MonthlyReport(Report):
    """One month of one commissioner's area (or one site). Every count follows
    CALL-CODES.md; ``docs/report-method.md`` says how to reproduce each by hand."""

    month: str
    period_start: date
    period_end: date
    commissioner: str | None = Field(description="ODS code of the commissioner reported on")
    site: str | None = Field(description="ODS code when the report is for one site")
    area_name: str
    hub_ods: str | None
    generated_at: datetime
    sites: list[SiteReport]
    totals: Totals
    calls: CallSummary
    answer_times: AnswerTimes
    dispositions: list[Count]
    escalations: list[Count]
    specialists: Specialists
    connection: ConnectionQuality
    money: Money
    rates: Rates
    comparison: Comparison
    spc_calls: SpcChart | None
    spc_avoided_admissions: SpcChart | None
    engagement_watch: list[str] = Field(description="ODS codes of homes flagged")
    engagement_watch_homes: list[WatchedHome] = Field(
        default_factory=list, description="the homes flagged, with the month each fall began"
    )
    disclosure: Disclosure = Field(
        default=Disclosure(suppressed=False, rule="not applied"),
        description="the small-number rule the figures were produced under",
    )
    hospital_activity: HospitalComparison | None
    notes: list[str]
    prisons: PrisonSection | None = Field(
        default=None, description="the area's prison healthcare units (None: it has none)"
    )
    gold_line: GoldLineSection | None = Field(
        default=None,
        description="the Gold Line (None: no own-home service, Gold Line call or register death)",
    )


class HubReportQuery(BaseModel):
    """The hub-wide report: every commissioner's report for one month, and the hub totals."""

    month: Month


class CommissionerLine(Report):
    """One commissioner's headline figures in the hub totals (the hub's own view: whole
    numbers, never suppressed)."""

    commissioner: str = Field(description="ODS code")
    name: str
    sites: Counted
    calls: Counted
    not_recorded: Counted = Field(description=NOT_RECORDED)
    avoided: Avoided
    bed_days_avoided: Decimal | None
    money_gbp: Decimal | None = Field(description="value of confirmed avoided activity")
    claimed_basis_gbp: Decimal | None = Field(
        description="value of claimed GP contacts (no confirmation step), kept apart"
    )


class HubReport(Report):
    """Every commissioner's monthly report in one run, and the hub's totals over them.
    Each commissioner's report is as that commissioner would receive it (small numbers
    suppressed unless the setting says otherwise); the totals and the lines are the hub's
    own operational figures and are not suppressed."""

    month: str
    generated_at: datetime
    hub_ods: str | None
    totals: CommissionerLine = Field(description="the hub: every commissioner added up")
    by_commissioner: list[CommissionerLine]
    reports: list[MonthlyReport]
