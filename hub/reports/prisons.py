"""The monthly report's prison section: escorts avoided (claimed, and confirmed by the
72-hour follow-up where linked), the share helped there and then, appointments held, the
did-not-attend rate and the time from booking to appointment, per prison and for the
area (docs/report-method.md, "Prisons").

An escort avoided is claimed when the unit said that without the call the person would
have left the prison under escort (escorted A&E, escorted outpatients, bed watch or
admission) and the nurse's record says no escorted transfer was needed. It is confirmed
when the 72-hour follow-up found no A&E visit and no admission, unverified while either is
unknown. There is no published unit cost of an escort, so no money line is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, LondonDays, as_utc
from hub.storage.repos.prison_reports import PrisonReportRepo
from hub.storage.scope import Scope
from hub.storage.tables import Organisation
from schemas.codes import (
    AppointmentStatus,
    Channel,
    Disposition,
    OrganisationKind,
    PrisonIntent,
)
from schemas.reports import MonthlyReport, PrisonRow, PrisonSection

from . import months

NO_ESCORT_COST = (
    "No published unit cost of an escorted transfer out of a prison was found (searched "
    "December 2026): escorts and bed watches are paid under a fixed tariff agreed between "
    "HM Prison Service and the NHS that is not published (House of Commons written answer, "
    "8 April 2010, 'Health Services: Prisoners'). The money line is omitted."
)


@dataclass(frozen=True, slots=True)
class PrisonCall:
    site_id: int
    channel: str
    prison_intent: str | None
    escort_needed: bool | None
    disposition: str | None
    ed_within_72h: str
    admitted_within_72h: str


@dataclass(frozen=True, slots=True)
class HeldOrMissed:
    site_id: int
    status: str
    starts_at: datetime
    booked_at: datetime


def _clinical(call: PrisonCall) -> bool:
    return call.disposition is None or Disposition(call.disposition).is_clinical


def claimed(call: PrisonCall) -> bool:
    return (
        call.prison_intent is not None
        and PrisonIntent(call.prison_intent).is_escort
        and call.escort_needed is False
        and _clinical(call)
    )


def confirmed(call: PrisonCall) -> bool:
    return claimed(call) and call.ed_within_72h == "no" and call.admitted_within_72h == "no"


def unverified(call: PrisonCall) -> bool:
    answers = (call.ed_within_72h, call.admitted_within_72h)
    return claimed(call) and "yes" not in answers and "unknown" in answers


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def row(
    ods: str, name: str, calls: Sequence[PrisonCall], booked: Sequence[HeldOrMissed]
) -> PrisonRow:
    urgent = [c for c in calls if c.channel == Channel.PRISON_URGENT and _clinical(c)]
    recorded = [c for c in calls if c.escort_needed is not None and _clinical(c)]
    helped = [c for c in recorded if c.escort_needed is False]
    held = [a for a in booked if a.status == AppointmentStatus.HELD]
    missed = [a for a in booked if a.status == AppointmentStatus.DID_NOT_ATTEND]
    waits = [(as_utc(a.starts_at) - as_utc(a.booked_at)).total_seconds() / 86400 for a in booked]
    return PrisonRow(
        ods=ods,
        name=name,
        urgent_calls=len(urgent),
        escort_expected=sum(
            1 for c in urgent if c.prison_intent and PrisonIntent(c.prison_intent).is_escort
        ),
        escorts_avoided_claimed=sum(1 for c in calls if claimed(c)),
        escorts_avoided_confirmed=sum(1 for c in calls if confirmed(c)),
        escorts_avoided_unverified=sum(1 for c in calls if unverified(c)),
        helped_there_and_then=len(helped),
        recorded_calls=len(recorded),
        share_helped=_share(len(helped), len(recorded)),
        appointments_held=len(held),
        appointments_did_not_attend=len(missed),
        did_not_attend_rate=_share(len(missed), len(held) + len(missed)),
        mean_days_booking_to_appointment=round(mean(waits), 1) if waits else None,
    )


def section(
    prisons: Sequence[Organisation],
    calls: Sequence[PrisonCall],
    booked: Sequence[HeldOrMissed],
) -> PrisonSection | None:
    if not prisons:
        return None
    rows = [
        row(
            p.ods_code,
            p.name,
            [c for c in calls if c.site_id == p.id],
            [a for a in booked if a.site_id == p.id],
        )
        for p in prisons
    ]
    return PrisonSection(
        prisons=rows,
        total=row("", "All prisons", calls, booked),
        escort_cost=NO_ESCORT_COST,
        escort_money_gbp=None,
    )


PRISON_CHANNELS = frozenset({Channel.PRISON_URGENT.value, Channel.PRISON_CLINIC.value})
"""The channels of a prison's calls: only these, at a prison, are the section's calls."""


async def read_section(
    s: AsyncSession,
    clock: Clock,
    scope: Scope,
    sites: Sequence[Organisation],
    calls: Sequence[PrisonCall],
    month: str,
) -> PrisonSection | None:
    """The section for the report's sites (already chosen through the caller's scope), from
    the prison calls among the report's own calls of the month (``calls``); no query when
    none of the sites is a prison."""
    prisons = prisons_of(sites)
    if not prisons:
        return None
    booked = await read_booked(s, clock, scope, [p.id or 0 for p in prisons], month)
    return section(prisons, calls, booked)


async def read_booked(
    s: AsyncSession, clock: Clock, scope: Scope, site_ids: Sequence[int], month: str
) -> list[HeldOrMissed]:
    """The month's appointments held or missed at these sites (one report's prisons, or
    every prison of the hub for the hub-wide report, to split with ``section_of``)."""
    days = LondonDays(months.first_day(month), months.last_day(month))
    assert days.since is not None and days.until is not None
    return [
        HeldOrMissed(*r)
        for r in await PrisonReportRepo(s, clock).appointments(
            scope, site_ids=site_ids, since=days.since, until=days.until
        )
    ]


def prisons_of(sites: Sequence[Organisation]) -> list[Organisation]:
    return [o for o in sites if o.kind == OrganisationKind.PRISON]


def section_of(
    sites: Sequence[Organisation], calls: Sequence[PrisonCall], booked: Sequence[HeldOrMissed]
) -> PrisonSection | None:
    """The section for the report's sites from rows that may hold other sites' too."""
    prisons = prisons_of(sites)
    ids = {p.id for p in prisons}
    return section(
        prisons, [c for c in calls if c.site_id in ids], [a for a in booked if a.site_id in ids]
    )


def suppress(report: MonthlyReport) -> MonthlyReport:
    """A suppressed report's prison section: its counts are already through the report's
    small-number rule (hub.reports.disclosure); a share, rate or mean is shown only when
    every count it is made from is shown."""
    found = report.prisons
    if found is None:
        return report

    def one(r: PrisonRow) -> PrisonRow:
        counts = [v for v in r.model_dump().values() if isinstance(v, (int, str))]
        if all(isinstance(v, int) or v in (r.ods, r.name) for v in counts):
            return r
        return r.model_copy(
            update={
                "share_helped": None,
                "did_not_attend_rate": None,
                "mean_days_booking_to_appointment": None,
            }
        )

    section = found.model_copy(
        update={"prisons": [one(r) for r in found.prisons], "total": one(found.total)}
    )
    return report.model_copy(update={"prisons": section})
