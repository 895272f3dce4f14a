"""The monthly report's Gold Line section (docs/report-method.md §2c): the month's Gold Line
calls and their outcomes as shares, the people supported, and the deaths in the month of
people on the palliative register at the area's sites, set against their preferred place of
death and against the national share of deaths in hospital, with Wilson 95% intervals.

Its calls are the report's own calls of the month; read with one query for the callers'
NHS numbers and one for the deaths, whatever the number of sites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, london_date
from hub.reports.rates import wilson
from hub.reports.summary import MonthCall
from hub.storage.repos.gold_line_reports import GoldLineReportRepo
from hub.storage.repos.reports import WholeHub
from hub.storage.scope import Scope
from hub.storage.tables import Organisation
from schemas.codes import Channel, OrganisationKind
from schemas.palliative import CarePlace, DeathPlace, GoldLineOutcome
from schemas.reports import (
    Count,
    GoldLineOutcomeCount,
    GoldLineSection,
    MonthlyReport,
    Proportion,
)

from . import months

NATIONAL_HOSPITAL_SHARE = 0.44
NATIONAL_SOURCE = (
    "44% of deaths nationally are in hospital: the figure as issue 13 gives it, which "
    "attributes it to ONS/OHID. The hub has not checked it against a published table (no "
    "citable source for it is in the hub's domain references), so no year or table is given."
)
PREFERENCE_RULE = (
    "Deaths in the preferred place are counted over the deaths whose preferred place of "
    "death, on the register entry current at the death, was a place (home, care home, "
    "hospice or hospital). Deaths where it was 'not discussed' or 'no preference' are left "
    "out of that denominator and counted apart. Deaths in hospital are counted over the "
    "deaths whose place is known."
)
NO_SHARE = Proportion(share=None, lower=None, upper=None)
GOLD_LINE = Channel.GOLD_LINE.value


@dataclass(frozen=True, slots=True)
class GoldLineCall:
    outcome: str | None
    nhs_number: str | None


@dataclass(frozen=True, slots=True)
class RegisterDeath:
    """A death, and the preferred place of death on the entry current at the death."""

    place: DeathPlace
    preferred: CarePlace


def current_at_death(died_on: date, versions: Sequence[tuple[datetime, str]]) -> CarePlace:
    """The preferred place of death on the entry current at the death: the latest version
    recorded on or before the day of death (London); when every version was recorded after
    it (a register imported after the death), the first version. ``versions`` are
    (recorded_at, preferred_place_of_death), oldest version first."""
    before = [place for at, place in versions if london_date(at) <= died_on]
    return CarePlace(before[-1] if before else versions[0][1])


def deaths_of(rows: Sequence[tuple[int, date, str, int, datetime, str]]) -> list[RegisterDeath]:
    """One death per person from the repository's rows (one per version, in order)."""
    by_person: dict[int, tuple[date, str, list[tuple[datetime, str]]]] = {}
    for person_id, died_on, place, _version, recorded_at, preferred in rows:
        by_person.setdefault(person_id, (died_on, place, []))[2].append((recorded_at, preferred))
    return [
        RegisterDeath(DeathPlace(place), current_at_death(died_on, versions))
        for died_on, place, versions in by_person.values()
    ]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def proportion(part: int, whole: int) -> Proportion:
    if not whole:
        return NO_SHARE
    lower, upper = wilson(part, whole)
    return Proportion(share=_share(part, whole), lower=round(lower, 4), upper=round(upper, 4))


def stated(place: CarePlace) -> bool:
    return place not in (CarePlace.NOT_DISCUSSED, CarePlace.NO_PREFERENCE)


def section(calls: Sequence[GoldLineCall], deaths: Sequence[RegisterDeath]) -> GoldLineSection:
    """The section from the month's Gold Line calls and register deaths. Pure."""
    recorded = [c.outcome for c in calls if c.outcome is not None]
    with_preference = [d for d in deaths if stated(d.preferred)]
    in_preferred = [d for d in with_preference if d.place.matches(d.preferred)]
    known = [d for d in deaths if d.place != DeathPlace.UNKNOWN]
    in_hospital = [d for d in deaths if d.place == DeathPlace.HOSPITAL]
    return GoldLineSection(
        calls=len(calls),
        calls_with_outcome=len(recorded),
        calls_without_outcome=len(calls) - len(recorded),
        outcomes=[
            GoldLineOutcomeCount(
                code=o.value,
                label=o.label,
                count=recorded.count(o.value),
                share=_share(recorded.count(o.value), len(recorded)),
            )
            for o in GoldLineOutcome
        ],
        people_supported=len({c.nhs_number for c in calls if c.nhs_number is not None}),
        deaths=len(deaths),
        deaths_by_place=[
            Count(code=p.value, label=p.label, count=sum(1 for d in deaths if d.place == p))
            for p in DeathPlace
        ],
        deaths_with_stated_preference=len(with_preference),
        deaths_without_stated_preference=len(deaths) - len(with_preference),
        deaths_in_preferred_place=len(in_preferred),
        preferred_place=proportion(len(in_preferred), len(with_preference)),
        deaths_place_known=len(known),
        deaths_in_hospital=len(in_hospital),
        hospital=proportion(len(in_hospital), len(known)),
        national_hospital_share=NATIONAL_HOSPITAL_SHARE,
        national_source=NATIONAL_SOURCE,
        preference_rule=PREFERENCE_RULE,
    )


async def read_section(
    s: AsyncSession,
    clock: Clock,
    scope: Scope,
    sites: Sequence[Organisation],
    calls: Sequence[MonthCall],
    month: str,
) -> GoldLineSection | None:
    """The section for the report's sites (already chosen through the caller's scope), from
    the report's own calls of the month; None when the area has no own-home service and the
    month no Gold Line call and no death of a person on the register."""
    numbers = await read_nhs_numbers(s, clock, calls)
    deaths = await read_deaths(s, clock, scope, [o.id or 0 for o in sites], month)
    return section_of(sites, calls_of(calls, numbers), deaths)


async def read_nhs_numbers(
    s: AsyncSession, clock: Clock, calls: Iterable[MonthCall]
) -> dict[int, str | None]:
    """The NHS numbers of the Gold Line calls' callers among these calls (read through the
    caller's scope already), to count the people supported."""
    people = {c.person_id for c in calls if c.channel == GOLD_LINE and c.person_id is not None}
    return await GoldLineReportRepo(s, clock).nhs_numbers(sorted(people))


async def read_deaths(
    s: AsyncSession, clock: Clock, scope: Scope, site_ids: Sequence[int] | WholeHub, month: str
) -> Sequence[Any]:
    """The repository's rows of the month's register deaths (each starting with its site),
    at these sites or at every commissioner's (the hub-wide report, to split by site and
    give to ``section_of``)."""
    return await GoldLineReportRepo(s, clock).month_deaths(
        scope, site_ids=site_ids, first=months.first_day(month), last=months.last_day(month)
    )


def calls_of(
    calls: Iterable[MonthCall], nhs_numbers: Mapping[int, str | None]
) -> list[GoldLineCall]:
    """The Gold Line calls among the month's calls, each with its caller's NHS number."""
    return [
        GoldLineCall(
            c.gold_line_outcome, None if c.person_id is None else nhs_numbers.get(c.person_id)
        )
        for c in calls
        if c.channel == GOLD_LINE
    ]


def section_of(
    sites: Sequence[Organisation], calls: Sequence[GoldLineCall], deaths: Sequence[Any]
) -> GoldLineSection | None:
    """The section from the report's sites' Gold Line calls (``calls_of``) and the rows of
    their register deaths (``read_deaths``, each row's site first, in the repository's
    order)."""
    died = deaths_of([tuple(r[1:]) for r in deaths])
    if not calls and not died and not any(o.kind == OrganisationKind.OWN_HOME for o in sites):
        return None
    return section(calls, died)


def suppress(report: MonthlyReport) -> MonthlyReport:
    """A suppressed report's Gold Line section: its counts are already through the report's
    small-number rule (hub.reports.disclosure); a share or an interval is shown only when
    both counts it is made from are shown."""
    found = report.gold_line
    if found is None:
        return report

    def shown(*values: object) -> bool:
        return all(isinstance(v, int) for v in values)

    gone: list[str] = []
    outcomes = []
    for o in found.outcomes:
        if o.share is not None and not shown(o.count, found.calls_with_outcome):
            gone.append(f"gold_line.outcomes.{o.code}.share")
            o = o.model_copy(update={"share": None})
        outcomes.append(o)
    update: dict[str, object] = {"outcomes": outcomes}
    for name, part, whole in (
        ("preferred_place", found.deaths_in_preferred_place, found.deaths_with_stated_preference),
        ("hospital", found.deaths_in_hospital, found.deaths_place_known),
    ):
        if getattr(found, name).share is not None and not shown(part, whole):
            gone.append(f"gold_line.{name}")
            update[name] = NO_SHARE
    disclosure = report.disclosure.model_copy(
        update={"withheld": [*report.disclosure.withheld, *gone]}
    )
    return report.model_copy(
        update={"gold_line": found.model_copy(update=update), "disclosure": disclosure}
    )
