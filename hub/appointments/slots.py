"""A clinic's slot times (pure): Europe/London wall clock in, UTC instants out.

A clinic starts at a London wall-clock time on a London day; its slots then follow one
another in real time, so a clinic across the clock change has slots of equal length (the
wall clock shows 01:30 twice in October). A start that does not exist (the hour the clocks
skip in March) or is ambiguous (the hour they repeat in October) is refused: the person
booking says which they mean by choosing another time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hub.clock import LONDON, as_utc


@dataclass(frozen=True, slots=True)
class SlotTime:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


class NotALondonTime(ValueError):
    """The wall-clock time does not name one moment in London on that day."""


def london_instant(day: date, at: time) -> datetime:
    """The one UTC moment ``at`` names on ``day`` in London."""
    first = datetime.combine(day, at, LONDON)
    second = datetime.combine(day, at, LONDON).replace(fold=1)
    one, other = first.astimezone(UTC), second.astimezone(UTC)
    if one.astimezone(LONDON).replace(tzinfo=None) != datetime.combine(day, at):
        raise NotALondonTime(
            f"{at:%H:%M} does not exist on {day:%-d %B %Y} (the clocks go forward)"
        )
    if one != other:
        raise NotALondonTime(f"{at:%H:%M} happens twice on {day:%-d %B %Y} (the clocks go back)")
    return one


def slot_times(day: date, start: time, minutes: int, count: int) -> list[SlotTime]:
    """``count`` consecutive slots of ``minutes`` from ``start`` (London) on ``day``."""
    first = london_instant(day, start)
    length = timedelta(minutes=minutes)
    return [SlotTime(first + i * length, first + (i + 1) * length) for i in range(count)]


def local_start(moment: datetime) -> str:
    """The London wall-clock time of a UTC moment, HH:MM."""
    return as_utc(moment).astimezone(LONDON).strftime("%H:%M")


def local_offset(moment: datetime) -> str:
    """GMT or BST at that moment."""
    return as_utc(moment).astimezone(LONDON).tzname() or "GMT"
