"""What one call adds to its site's counts for its month (``report_site_month``), and those
counts read back as the report's tallies. Pure.

The avoided-activity rules are ``hub.avoided.claims``, applied here once per combination
of a call's codes and never restated; a month's counts are the sum of what its calls add.
Keeping the sum (``hub.storage.repos.aggregates``) is subtracting what a call added before a
change and adding what it adds after, so the kept counts and the counts rebuilt from the
calls are the same by construction, and the property test checks that they are.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from hub.avoided.claims import AvoidedCounts, Measure, assess, facts

CONFIRMED_MEASURES = (Measure.AMBULANCE, Measure.ED_ATTENDANCE, Measure.ADMISSION)
VERDICTS = ("claimed", "confirmed", "unverified", "refuted")
COUNTS: tuple[str, ...] = (
    "calls",
    "technical_failures",
    "no_outcome",
    *(f"{m.value}_{kind}" for m in CONFIRMED_MEASURES for kind in VERDICTS),
    f"{Measure.GP_CONTACT.value}_claimed",
)
"""The counted columns, in order (the table's columns after site and month)."""

Counts = tuple[int, ...]
ZERO: Counts = (0,) * len(COUNTS)


@functools.lru_cache(maxsize=4096)
def of_call(
    home_intent: str,
    nurse_counterfactual: str | None,
    disposition: str | None,
    ed_within_72h: str,
    admitted_within_72h: str,
) -> Counts:
    """What one call with these codes adds, in the order of ``COUNTS``."""
    call = facts(home_intent, nurse_counterfactual, disposition, ed_within_72h, admitted_within_72h)
    verdicts = assess(call)
    found = dict.fromkeys(COUNTS, 0)
    found["calls"] = 1
    # The stored column keeps its first name (0008_aggregates): it counts the calls with no
    # clinical disposition (``not_recorded``), which the report shows as ``not_recorded``.
    found["technical_failures"] = int(
        call.disposition is not None and not call.disposition.is_clinical
    )
    found["no_outcome"] = int(call.disposition is None)
    for measure, verdict in verdicts.items():
        if verdict is None:
            continue
        once = AvoidedCounts().add(verdict)
        for kind in VERDICTS:
            name = f"{measure.value}_{kind}"
            if name in found:
                found[name] = getattr(once, kind)
    return tuple(found[name] for name in COUNTS)


def added(a: Counts, b: Counts, times: int = 1) -> Counts:
    return tuple(x + times * y for x, y in zip(a, b, strict=True))


class SitePeriodCounts(NamedTuple):
    """One site's counts added up over a period of months (``first_month`` to
    ``last_month``, inclusive), as the report's comparison reads them."""

    first_month: str
    last_month: str
    site_id: int
    counts: Counts


def total(rows: Iterable[SitePeriodCounts]) -> Counts:
    """The rows' counts added up, column by column (ZERO for no rows)."""
    return tuple(map(sum, zip(*(row.counts for row in rows), strict=True))) or ZERO


def as_tally(counts: Counts) -> dict[Measure, AvoidedCounts]:
    """The avoided-activity tally (``hub.reports.summary.Tally``) of summed counts."""
    named: Mapping[str, int] = dict(zip(COUNTS, counts, strict=True))
    return {
        m: AvoidedCounts(**{kind: named.get(f"{m.value}_{kind}", 0) for kind in VERDICTS})
        for m in Measure
    }
