"""What the hub-wide report reads: each kind of row once for the whole hub (every
commissioner's sites the caller may see), split by commissioner in Python (site →
commissioner), so each commissioner's ``ReportInputs`` and sections are made from exactly
the rows its own report (``ReportService.monthly``) reads; one query per kind of row,
whatever the number of commissioners."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.reports import gold_line, prisons
from hub.reports.engine import ReportRows, ReportService, read_rows
from hub.reports.inputs import ReportInputs
from hub.storage.repos.reports import Area, ReportRepo, WholeHub
from hub.storage.scope import Scope
from hub.storage.tables import Organisation

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class AreaRead:
    """One commissioner's part of the hub's rows: its report's inputs and its sections (as
    ``MonthlyReport`` fields)."""

    inputs: ReportInputs
    sections: dict[str, Any]


def split(
    rows: Iterable[Row], site_of: Callable[[Row], int], owner: dict[int, int]
) -> dict[int, list[Row]]:
    """Rows by the commissioner of their site (``owner``: site id → commissioner id), each
    part in the rows' order; rows of a site not in ``owner`` are left out."""
    parts: dict[int, list[Row]] = {}
    for r in rows:
        commissioner = owner.get(site_of(r))
        if commissioner is not None:
            parts.setdefault(commissioner, []).append(r)
    return parts


# Each row's site, got in C (a Python function per row is most of splitting's cost).
_site_first = itemgetter(0)
_site_second = itemgetter(1)
_site_id = attrgetter("site_id")


async def read_hub(
    service: ReportService,
    s: AsyncSession,
    scope: Scope,
    areas: Sequence[Area],
    month: str,
    *,
    hub_ods: str | None,
) -> list[AreaRead]:
    """Every area's inputs and sections for ``month``, in the order of ``areas``."""
    repo = ReportRepo(s, service.clock)
    hub = WholeHub()
    sites = await repo.sites(scope, hub)
    rows = await read_rows(repo, scope, hub, month, sites)
    # Appointments are only counted at prisons: read the hub's prisons' rows alone.
    prison_ids = [o.id or 0 for o in prisons.prisons_of(sites)]
    booked = await prisons.read_booked(s, service.clock, scope, prison_ids, month)
    deaths = await gold_line.read_deaths(s, service.clock, scope, hub, month)
    owner = {o.id: o.commissioner_id for o in sites if o.id is not None and o.commissioner_id}
    by_area = split(sites, attrgetter("id"), owner)
    calls = split(rows.calls, _site_first, owner)
    escalations = split(rows.escalations, _site_first, owner)
    drops = split(rows.drops, _site_first, owner)
    quality = split(rows.quality, _site_first, owner)
    trend = split(rows.trend, _site_second, owner)
    periods = split(rows.periods, _site_id, owner)
    hospital = split(rows.activity, _site_id, owner)
    booked_part = split(booked, _site_id, owner)
    deaths_part = split(deaths, _site_first, owner)
    read: list[tuple[int, Sequence[Organisation], ReportInputs]] = []
    for area in areas:
        c = area.commissioner.id or 0
        area_sites = by_area.get(c, [])
        part = ReportRows(
            calls=calls.get(c, []),
            escalations=escalations.get(c, []),
            drops=drops.get(c, []),
            quality=quality.get(c, []),
            trend=trend.get(c, []),
            periods=periods.get(c, []),
            activity=hospital.get(c, []),
        )
        inputs = service.inputs(area, month, area_sites, area_sites, part, hub_ods=hub_ods)
        read.append((c, area_sites, inputs))
    # The Gold Line's calls are the areas' own calls; their callers' NHS numbers, at once.
    nhs_numbers = await gold_line.read_nhs_numbers(
        s, service.clock, chain.from_iterable(inputs.calls for _c, _sites, inputs in read)
    )
    found: list[AreaRead] = []
    for c, own_sites, inputs in read:
        gold_calls = gold_line.calls_of(inputs.calls, nhs_numbers)
        sections = {
            "prisons": prisons.section_of(own_sites, inputs.prison_calls, booked_part.get(c, [])),
            "gold_line": gold_line.section_of(own_sites, gold_calls, deaths_part.get(c, [])),
        }
        found.append(AreaRead(inputs, sections))
    return found
