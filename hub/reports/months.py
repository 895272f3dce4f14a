"""London calendar months now live in ``hub.months`` (storage reads them too, and storage
must not import report code); this name is kept so the report modules' imports still work."""

from __future__ import annotations

from hub.months import financial_year_start, first_day, label, last_day, of, parse, shift, span

__all__ = ["financial_year_start", "first_day", "label", "last_day", "of", "parse", "shift", "span"]
