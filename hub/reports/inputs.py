"""What a monthly report is built from, as read from storage (``hub.reports.engine``), and
the sites it counts as on the service. Every figure's method is in ``docs/report-method.md``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.avoided.counts import SitePeriodCounts
from hub.reports import activity, months
from hub.reports.costs import CostTable, load_cost_table
from hub.reports.prisons import PrisonCall
from hub.reports.summary import MonthCall
from hub.storage.repos.reports import Area, TrendRow
from hub.storage.tables import HospitalActivity, Organisation


@functools.cache
def default_costs() -> CostTable:
    return load_cost_table()


@dataclass(frozen=True, slots=True)
class EscalationRead:
    call_id: str
    code: str
    at: datetime
    answered_at: datetime | None
    source: str


@dataclass(frozen=True, slots=True)
class QualityRead:
    """One participant's report of how one of the month's calls went (call/quality)."""

    site_id: int
    call_id: str
    video_seconds: int
    audio_only_seconds: int
    ended_by_failure: bool


@dataclass
class ReportInputs:
    """Everything a report is built from, as read from storage."""

    month: str
    area: Area
    sites: Sequence[Organisation]
    area_sites: Sequence[Organisation]
    hub_ods: str | None
    calls: Sequence[MonthCall]
    escalations: Sequence[EscalationRead]
    drops: Sequence[tuple[int, str]]  # (site id, call id) of calls with a lost connection
    quality: Sequence[QualityRead]
    prison_calls: Sequence[PrisonCall]
    """The prisons' calls among ``calls`` (at the report's prisons, on a prison channel)."""
    trend: Sequence[TrendRow]
    """(month, site id, calls, avoided admissions claimed) of each site and month over the
    trend window (the SPC charts' months), as kept."""
    periods: Sequence[SitePeriodCounts]
    """Each site's counts added up over each of the comparison's periods (this month, last
    month, the financial year to date: ``sections.comparison_periods``)."""
    activity: Sequence[HospitalActivity]
    generated_at: datetime
    answer_target_seconds: int
    costs: CostTable = field(default_factory=default_costs)

    @functools.cached_property
    def calls_per_site_month(self) -> list[tuple[str, int, int]]:
        """(month, site id, calls) over the trend window."""
        return [(month, site_id, calls) for month, site_id, calls, _admitted in self.trend]


def home_of(o: Organisation) -> activity.Home:
    assert o.id is not None
    return activity.Home(o.id, o.ods_code, o.name, o.kind, o.go_live)


def on_service(data: ReportInputs) -> set[int]:
    """Sites using the hub in the report month: gone live by then, or, with no go-live date
    recorded, having at least one call in the trend window."""
    called = {site_id for _month, site_id, count in data.calls_per_site_month if count}
    found: set[int] = set()
    for o in data.area_sites:
        assert o.id is not None
        if o.go_live is not None:
            if months.of(o.go_live) <= data.month:
                found.add(o.id)
        elif o.id in called:
            found.add(o.id)
    return found
