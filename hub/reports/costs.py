"""Unit costs as data: a versioned table that names its source and year (REFERENCE §7).

Money = each confirmed count × its unit cost; an emergency admission costs the table's
mean length of stay × its non-elective bed-day cost; bed days avoided = confirmed avoided
admissions × that mean length of stay (CALL-CODES.md). Pure apart from reading the table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any

from hub.avoided.claims import Measure

DEFAULT_COST_TABLE = "england-default.toml"
PENNY = Decimal("0.01")
_PRICE_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


class CostActivity(StrEnum):
    """A priced row of a cost table. Admission is derived, so it has no row of its own."""

    AMBULANCE = Measure.AMBULANCE.value
    ED_ATTENDANCE = Measure.ED_ATTENDANCE.value
    GP_CONTACT = Measure.GP_CONTACT.value
    BED_DAY = "bed_day"


_PRICED_BY: dict[Measure, CostActivity] = {
    Measure.AMBULANCE: CostActivity.AMBULANCE,
    Measure.ED_ATTENDANCE: CostActivity.ED_ATTENDANCE,
    Measure.GP_CONTACT: CostActivity.GP_CONTACT,
}


class CostTableError(ValueError):
    """A cost table that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class UnitCost:
    activity: CostActivity
    amount_gbp: Decimal
    price_year: str  # financial year, "2020/21"
    source: str


@dataclass(frozen=True, slots=True)
class CostTable:
    name: str
    version: str
    unit_costs: Mapping[CostActivity, UnitCost]
    mean_length_of_stay_days: Decimal
    length_of_stay_source: str

    @property
    def price_years(self) -> tuple[str, str]:
        """(earliest, latest) price year of the rows."""
        years = sorted(row.price_year for row in self.unit_costs.values())
        return years[0], years[-1]

    @property
    def citation(self) -> str:
        """What a report prints under its money figures: the table's name, version and years."""
        earliest, latest = self.price_years
        years = earliest if earliest == latest else f"{earliest} to {latest}"
        return f"{self.name}, version {self.version} (price years {years})"

    def unit_cost(self, measure: Measure) -> Decimal:
        """The cost of one avoided ``measure``, unrounded."""
        if measure is Measure.ADMISSION:
            return self.mean_length_of_stay_days * self.unit_costs[CostActivity.BED_DAY].amount_gbp
        return self.unit_costs[_PRICED_BY[measure]].amount_gbp

    def money(self, measure: Measure, confirmed_count: int) -> Decimal:
        """``confirmed_count`` × the unit cost of ``measure``, in pounds to the penny."""
        _check_count(confirmed_count)
        return (confirmed_count * self.unit_cost(measure)).quantize(PENNY, ROUND_HALF_UP)

    def bed_days(self, confirmed_admissions: int) -> Decimal:
        """Bed days avoided: confirmed avoided admissions × the mean length of stay."""
        _check_count(confirmed_admissions)
        return confirmed_admissions * self.mean_length_of_stay_days


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"a count must be a whole number, 0 or more (got {count!r})")


def load_cost_table(path: Path | None = None) -> CostTable:
    """Read and validate a cost table; None reads the packaged default."""
    if path is None:
        resource = files("hub.reports") / "cost_tables" / DEFAULT_COST_TABLE
        return parse_cost_table(resource.read_text(encoding="utf-8"), origin=DEFAULT_COST_TABLE)
    return parse_cost_table(path.read_text(encoding="utf-8"), origin=str(path))


def parse_cost_table(text: str, *, origin: str = "cost table") -> CostTable:
    """Validate the TOML text of a cost table; raise CostTableError naming what is wrong."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise CostTableError(f"{origin}: not valid TOML: {exc}") from exc
    _only_keys(data, {"name", "version", "length_of_stay", "unit_cost"}, origin)

    los = data.get("length_of_stay")
    if not isinstance(los, dict):
        raise CostTableError(f"{origin}: missing [length_of_stay] table")
    _only_keys(los, {"mean_days", "source"}, f"{origin} [length_of_stay]")

    rows = data.get("unit_cost")
    if not isinstance(rows, list) or not rows:
        raise CostTableError(f"{origin}: missing [[unit_cost]] rows")
    unit_costs: dict[CostActivity, UnitCost] = {}
    for number, row in enumerate(rows, start=1):
        unit_cost = _unit_cost(row, f"{origin} [[unit_cost]] row {number}")
        if unit_cost.activity in unit_costs:
            raise CostTableError(f"{origin}: activity {unit_cost.activity!r} appears twice")
        unit_costs[unit_cost.activity] = unit_cost
    missing = [a.value for a in CostActivity if a not in unit_costs]
    if missing:
        raise CostTableError(f"{origin}: no unit cost for {', '.join(missing)}")

    return CostTable(
        name=_text(data, "name", origin),
        version=_text(data, "version", origin),
        unit_costs={a: unit_costs[a] for a in CostActivity},
        mean_length_of_stay_days=_positive(los, "mean_days", f"{origin} [length_of_stay]"),
        length_of_stay_source=_text(los, "source", f"{origin} [length_of_stay]"),
    )


def _unit_cost(row: Any, where: str) -> UnitCost:
    if not isinstance(row, dict):
        raise CostTableError(f"{where}: not a table")
    _only_keys(row, {"activity", "amount_gbp", "price_year", "source"}, where)
    activity = _text(row, "activity", where)
    if activity not in {a.value for a in CostActivity}:
        known = ", ".join(a.value for a in CostActivity)
        raise CostTableError(f"{where}: unknown activity {activity!r} (expected one of {known})")
    price_year = _text(row, "price_year", where)
    match = _PRICE_YEAR.match(price_year)
    if match is None or (int(match[1]) + 1) % 100 != int(match[2]):
        raise CostTableError(
            f"{where}: price_year {price_year!r} is not a financial year like '2020/21'"
        )
    return UnitCost(
        activity=CostActivity(activity),
        amount_gbp=_positive(row, "amount_gbp", where),
        price_year=price_year,
        source=_text(row, "source", where),
    )


def _only_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CostTableError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CostTableError(f"{where}: {key} must be non-empty text")
    return value.strip()


def _positive(table: dict[str, Any], key: str, where: str) -> Decimal:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise CostTableError(f"{where}: {key} must be a number")
    amount = Decimal(value)
    if not amount.is_finite() or amount <= 0:
        raise CostTableError(f"{where}: {key} must be more than 0")
    return amount
