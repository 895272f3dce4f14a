"""Counting one month's calls: breakdowns, answer times and avoided activity. Pure.

The avoided-activity rules are ``hub.avoided.claims`` (applied, never restated here);
this module only adds them up, including over pre-grouped counts of identical facts.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from statistics import median
from typing import NamedTuple

from hub.avoided.claims import AvoidedCounts, CallFacts, Measure, assess
from hub.clock import LONDON, as_utc
from hub.reports.costs import CostTable
from schemas.codes import (
    LabelledEnum,
)
from schemas.reports import (
    AnswerTimes,
    Avoided,
    AvoidedCount,
    ClaimedCount,
    Count,
    MoneyBasis,
    MoneyRow,
)

Tally = dict[Measure, AvoidedCounts]


class MonthCall(NamedTuple):
    """One call of the month, as the report reads it (a named tuple: immutable, and a
    quarter of a frozen dataclass's cost to make, for tens of thousands of calls)."""

    site_id: int
    channel: str
    reason: str
    started_at: datetime
    answered_at: datetime | None
    facts: CallFacts
    gold_line_outcome: str | None = None  # Gold Line calls only
    person_id: int | None = None

    @property
    def not_recorded(self) -> bool:
        """No clinical disposition: ``not_recorded`` (the retired ``call_failed_technical``)."""
        disposition = self.facts.disposition
        return disposition is not None and not disposition.is_clinical

    @property
    def answer_seconds(self) -> float | None:
        answered, started = self.answered_at, self.started_at
        if answered is None:
            return None
        if _plain_utc(answered) and _plain_utc(started):
            return (answered - started).total_seconds()  # both naive, or both UTC
        return (as_utc(answered) - as_utc(started)).total_seconds()

    @property
    def local_start(self) -> datetime:
        return as_utc(self.started_at).astimezone(LONDON)

    @property
    def local_hour_and_weekday(self) -> tuple[int, int]:
        """``local_start``'s hour and weekday, worked out once per hour of UTC: London's
        offset changes only on the hour (01:00 UTC), and a month's calls fill a few
        hundred hours."""
        moment = self.started_at
        if _plain_utc(moment):
            return _hour_and_weekday(moment.year, moment.month, moment.day, moment.hour)
        local = self.local_start
        return local.hour, local.weekday()


def _plain_utc(moment: datetime) -> bool:
    """Naive (UTC, as SQLite hands it back) or in UTC itself."""
    return moment.tzinfo is None or moment.tzinfo is UTC


@functools.lru_cache(maxsize=8192)
def _hour_and_weekday(year: int, month: int, day: int, hour: int) -> tuple[int, int]:
    local = datetime(year, month, day, hour, tzinfo=UTC).astimezone(LONDON)
    return local.hour, local.weekday()


def empty_tally() -> Tally:
    return dict.fromkeys(Measure, AvoidedCounts())


@functools.lru_cache(maxsize=4096)
def _once(call: CallFacts) -> tuple[tuple[Measure, AvoidedCounts], ...]:
    """The rules' verdicts on one call, as the counts it adds (cached by its facts)."""
    return tuple(
        (measure, AvoidedCounts().add(verdict))
        for measure, verdict in assess(call).items()
        if verdict is not None
    )


def claims(call: CallFacts, measure: Measure) -> bool:
    """Whether the rules claim ``measure`` for a call with these facts."""
    return any(m is measure for m, _ in _once(call))


def add_weighted(tally: Tally, call: CallFacts, times: int = 1) -> None:
    """Add ``times`` calls with these facts to ``tally``, by the rules' verdict on one."""
    for measure, once in _once(call):
        now = tally[measure]
        tally[measure] = AvoidedCounts(
            claimed=now.claimed + times * once.claimed,
            confirmed=now.confirmed + times * once.confirmed,
            unverified=now.unverified + times * once.unverified,
            refuted=now.refuted + times * once.refuted,
        )


def weighted_tally(groups: Iterable[tuple[CallFacts, int]]) -> Tally:
    tally = empty_tally()
    for call, times in groups:
        add_weighted(tally, call, times)
    return tally


def avoided(tally: Tally) -> Avoided:
    def full(measure: Measure) -> AvoidedCount:
        c = tally[measure]
        return AvoidedCount(
            claimed=c.claimed, confirmed=c.confirmed, unverified=c.unverified, refuted=c.refuted
        )

    return Avoided(
        ambulance=full(Measure.AMBULANCE),
        ed_attendance=full(Measure.ED_ATTENDANCE),
        admission=full(Measure.ADMISSION),
        gp_contact=ClaimedCount(claimed=tally[Measure.GP_CONTACT].claimed),
    )


COSTED = (Measure.AMBULANCE, Measure.ED_ATTENDANCE, Measure.ADMISSION)
"""Measures with a confirmation step: money = confirmed count × unit cost (CALL-CODES.md)."""
COSTED_ON_CLAIMS = (Measure.GP_CONTACT,)
"""Measures the cost table prices that have no confirmation step (the 72-hour follow-up
asks about A&E and admission only). They are costed on their claims and kept apart from
the confirmed total, so the report shows their value without calling it confirmed."""


def money_rows(tally: Tally, costs: CostTable) -> list[MoneyRow]:
    def row(m: Measure, basis: MoneyBasis, count: int) -> MoneyRow:
        return MoneyRow(
            measure=m.value,
            label=m.label,
            confirmed=tally[m].confirmed,
            basis=basis,
            costed=count,
            unit_cost_gbp=costs.unit_cost(m).quantize(Decimal("0.01")),
            amount_gbp=costs.money(m, count),
        )

    return [row(m, "confirmed", tally[m].confirmed) for m in COSTED] + [
        row(m, "claimed", tally[m].claimed) for m in COSTED_ON_CLAIMS
    ]


def money_total(tally: Tally, costs: CostTable) -> Decimal:
    """The value of confirmed avoided activity."""
    return sum((costs.money(m, tally[m].confirmed) for m in COSTED), Decimal("0.00"))


def money_claimed(tally: Tally, costs: CostTable) -> Decimal:
    """The value of claimed activity that has no confirmation step (kept apart)."""
    return sum((costs.money(m, tally[m].claimed) for m in COSTED_ON_CLAIMS), Decimal("0.00"))


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the ⌈p/100 × n⌉-th smallest value."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def answer_times(calls: Sequence[MonthCall], target_seconds: int) -> AnswerTimes:
    seconds = [s for s in (c.answer_seconds for c in calls) if s is not None]
    within = sum(1 for s in seconds if s <= target_seconds)
    return AnswerTimes(
        answered=len(seconds),
        not_answered=len(calls) - len(seconds),
        median_seconds=median(seconds) if seconds else None,
        p90_seconds=nearest_rank(seconds, 90) if seconds else None,
        target_seconds=target_seconds,
        within_target=within,
        share_within_target=within / len(seconds) if seconds else None,
    )


def breakdown(counts: Counter[str], vocabulary: type[LabelledEnum]) -> list[Count]:
    """A row for every code of the vocabulary, in its order, zeros included."""
    rows = [Count(code=m.value, label=m.label, count=counts.get(m.value, 0)) for m in vocabulary]
    known = {m.value for m in vocabulary}
    rows += [Count(code=c, label=c, count=n) for c, n in sorted(counts.items()) if c not in known]
    return rows


def by_hour(calls: Sequence[MonthCall]) -> list[int]:
    hours = [0] * 24
    for call in calls:
        hours[call.local_hour_and_weekday[0]] += 1
    return hours


def by_weekday(calls: Sequence[MonthCall]) -> list[int]:
    days = [0] * 7
    for call in calls:
        days[call.local_hour_and_weekday[1]] += 1
    return days


def code_counts(values: Iterable[str | Enum | None]) -> Counter[str]:
    return Counter(str(v.value if isinstance(v, Enum) else v) for v in values if v is not None)
