"""The versioned unit-cost table: the packaged default, money, bed days and validation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hub.avoided.claims import Measure
from hub.reports.costs import (
    CostActivity,
    CostTable,
    CostTableError,
    load_cost_table,
    parse_cost_table,
)

SMALL_TABLE = """
name = "Test tariff"
version = "7"

[length_of_stay]
mean_days = 2.5
source = "assumed for the test"

[[unit_cost]]
activity = "ambulance"
amount_gbp = 300
price_year = "2024/25"
source = "local tariff"

[[unit_cost]]
activity = "ed_attendance"
amount_gbp = 150.10
price_year = "2024/25"
source = "local tariff"

[[unit_cost]]
activity = "bed_day"
amount_gbp = 400
price_year = "2023/24"
source = "local tariff"

[[unit_cost]]
activity = "gp_contact"
amount_gbp = 0.1
price_year = "2024/25"
source = "local tariff"
"""


@pytest.fixture
def default_table() -> CostTable:
    return load_cost_table()


@pytest.fixture
def small_table(tmp_path: Path) -> CostTable:
    path = tmp_path / "test.toml"
    path.write_text(SMALL_TABLE, encoding="utf-8")
    return load_cost_table(path)


def test_the_default_table_names_itself_and_its_years(default_table: CostTable) -> None:
    assert default_table.citation == (
        "England default unit costs (historic prices), version 2026.1 "
        "(price years 2013/14 to 2020/21)"
    )


def test_the_default_unit_costs(default_table: CostTable) -> None:
    rows = default_table.unit_costs
    assert {a: (r.amount_gbp, r.price_year) for a, r in rows.items()} == {
        CostActivity.AMBULANCE: (Decimal("231.00"), "2014/15"),
        CostActivity.ED_ATTENDANCE: (Decimal("114.00"), "2013/14"),
        CostActivity.BED_DAY: (Decimal("901.00"), "2020/21"),
        CostActivity.GP_CONTACT: (Decimal("68.30"), "2013/14"),
    }
    assert default_table.mean_length_of_stay_days == Decimal("7.9")
    assert "ASSUMPTION" in default_table.length_of_stay_source
    assert "NICE NG94" in rows[CostActivity.ED_ATTENDANCE].source
    assert "National Cost Collection 2020/21" in rows[CostActivity.BED_DAY].source
    assert all(row.source for row in rows.values())


def test_default_money(default_table: CostTable) -> None:
    assert default_table.money(Measure.AMBULANCE, 2) == Decimal("462.00")
    assert default_table.money(Measure.ED_ATTENDANCE, 3) == Decimal("342.00")
    assert default_table.money(Measure.GP_CONTACT, 3) == Decimal("204.90")
    # admission = 7.9 days × £901 = £7,117.90
    assert default_table.unit_cost(Measure.ADMISSION) == Decimal("7117.90")
    assert default_table.money(Measure.ADMISSION, 2) == Decimal("14235.80")


def test_default_bed_days(default_table: CostTable) -> None:
    assert default_table.bed_days(2) == Decimal("15.8")
    assert default_table.bed_days(0) == 0


def test_a_table_loaded_from_a_file(small_table: CostTable) -> None:
    assert small_table.citation == "Test tariff, version 7 (price years 2023/24 to 2024/25)"
    assert small_table.money(Measure.ADMISSION, 3) == Decimal("3000.00")  # 3 × 2.5 × 400
    assert small_table.money(Measure.ED_ATTENDANCE, 3) == Decimal("450.30")
    assert small_table.money(Measure.GP_CONTACT, 3) == Decimal("0.30")  # exact, no float error
    assert small_table.bed_days(3) == Decimal("7.5")


def test_money_is_rounded_to_the_penny() -> None:
    table = parse_cost_table(SMALL_TABLE.replace("mean_days = 2.5", "mean_days = 1.0005"))
    assert table.money(Measure.ADMISSION, 1) == Decimal("400.20")  # 400.2 exactly


def test_a_single_price_year_is_printed_once() -> None:
    table = parse_cost_table(SMALL_TABLE.replace('"2023/24"', '"2024/25"'))
    assert table.citation == "Test tariff, version 7 (price years 2024/25)"


@pytest.mark.parametrize("count", [-1, True, 1.5])
def test_money_needs_a_whole_count(default_table: CostTable, count: int) -> None:
    with pytest.raises(ValueError, match="whole number"):
        default_table.money(Measure.AMBULANCE, count)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('activity = "gp_contact"', 'activity = "gp_visit"'), "unknown activity 'gp_visit'"),
        (('activity = "gp_contact"', 'activity = "ambulance"'), "appears twice"),
        (("amount_gbp = 400", "amount_gbp = -400"), "amount_gbp must be more than 0"),
        (("amount_gbp = 400", 'amount_gbp = "400"'), "amount_gbp must be a number"),
        (('price_year = "2023/24"', 'price_year = "2023/25"'), "not a financial year"),
        (('price_year = "2023/24"', 'price_year = "2023"'), "not a financial year"),
        (('source = "assumed for the test"', 'source = ""'), "source must be non-empty"),
        (('version = "7"', 'versoin = "7"'), "unknown field(s) versoin"),
        (("mean_days = 2.5", "mean_days = 0"), "mean_days must be more than 0"),
        (('name = "Test tariff"', "name = [oops"), "not valid TOML"),
    ],
)
def test_a_bad_table_is_refused_with_the_reason(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in SMALL_TABLE
    with pytest.raises(CostTableError, match="^bad.toml") as caught:
        parse_cost_table(SMALL_TABLE.replace(old, new, 1), origin="bad.toml")
    assert message in str(caught.value)


def test_a_table_missing_an_activity_is_refused() -> None:
    text = SMALL_TABLE.split('[[unit_cost]]\nactivity = "gp_contact"')[0]
    with pytest.raises(CostTableError, match="no unit cost for gp_contact"):
        parse_cost_table(text)


def test_a_table_without_a_length_of_stay_is_refused() -> None:
    before, rest = SMALL_TABLE.split("[length_of_stay]")
    text = before + rest[rest.index("[[unit_cost]]") :]
    with pytest.raises(CostTableError, match="length_of_stay"):
        parse_cost_table(text)
