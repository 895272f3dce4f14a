"""Time. Everything reads the clock through this protocol so tests can drive it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def london_month(moment: datetime) -> str:
    """The calendar month (YYYY-MM) a UTC moment falls in, in Europe/London local time."""
    return moment.astimezone(LONDON).strftime("%Y-%m")


def as_utc(moment: datetime) -> datetime:
    """Databases hand back naive datetimes (SQLite); ours are always UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def london_date(moment: datetime) -> date:
    """The Europe/London calendar day a UTC moment falls in."""
    return as_utc(moment).astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The UTC moment a Europe/London calendar day begins. London's clocks change at 01:00
    UTC, so midnight always exists once; the day itself is 23 or 25 hours long then."""
    return datetime.combine(day, time(), LONDON).astimezone(UTC)


@dataclass(frozen=True)
class LondonDays:
    """A range of whole Europe/London calendar days, both ends included; None leaves that end
    open. The one meaning of a ``from``/``to`` date range anywhere in the hub."""

    first: date | None = None
    last: date | None = None

    @property
    def since(self) -> datetime | None:
        """The first moment in the range (UTC), included."""
        return london_midnight(self.first) if self.first else None

    @property
    def until(self) -> datetime | None:
        """The first moment after the range (UTC), excluded."""
        return london_midnight(self.last + timedelta(days=1)) if self.last else None
