"""Calendar months as 'YYYY-MM' strings (the form Call.local_month stores). Pure."""

from __future__ import annotations

import calendar
from datetime import date


def parse(month: str) -> tuple[int, int]:
    year, number = month.split("-")
    return int(year), int(number)


def shift(month: str, by: int) -> str:
    """The month ``by`` months after ``month`` (before, when negative)."""
    year, number = parse(month)
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def span(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (empty when last < first)."""
    months: list[str] = []
    month = first
    while month <= last:
        months.append(month)
        month = shift(month, 1)
    return months


def first_day(month: str) -> date:
    year, number = parse(month)
    return date(year, number, 1)


def last_day(month: str) -> date:
    year, number = parse(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def financial_year_start(month: str) -> str:
    """April of the NHS financial year (April to March) that ``month`` falls in."""
    year, number = parse(month)
    return f"{year if number >= 4 else year - 1:04d}-04"


def label(month: str) -> str:
    """'2026-10' -> 'October 2026'."""
    year, number = parse(month)
    return f"{calendar.month_name[number]} {year}"
