"""Time. Everything reads the clock through this protocol so tests can drive it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
