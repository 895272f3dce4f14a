"""CSV injection: no cell the hub writes can run as a spreadsheet formula, numbers stay
numbers, and every CSV writer in the hub goes through the one helper."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from hub.spreadsheet import DictWriter, Writer, safe_cell

HUB = Path(__file__).resolve().parents[2] / "hub"


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("https://evil.example","click")',
        "+1+2",
        "-1+2",
        "-A1",
        "-",
        "@SUM(A1:A2)",
        "\tstarts with a tab",
        "\rstarts with a carriage return",
    ],
)
def test_a_formula_start_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3", "-12.50", "-0.5", "-.5", "-1.5e3", "3", "12.50"])
def test_a_number_written_as_text_stays_a_number(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-3, -12.5, Decimal("-693.00"), 0, None, True])
def test_values_that_are_not_text_are_left_alone(value: object) -> None:
    assert safe_cell(value) is value


def test_text_with_a_formula_character_later_on_is_left_alone() -> None:
    assert safe_cell("Rowan House = home A") == "Rowan House = home A"
    assert safe_cell("") == ""


def test_both_writers_make_every_cell_safe_and_round_trip() -> None:
    out = io.StringIO()
    DictWriter(out, ["name", "value"]).writerows(
        [{"name": "=1+1", "value": -4}, {"name": "plain", "value": "-4.25"}]
    )
    Writer(out).writerow(["@x", "-7"])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1+1", "-4"],
        ["plain", "-4.25"],
        ["'@x", "-7"],
    ]


def test_no_hub_module_writes_csv_but_through_the_helper() -> None:
    writers = re.compile(r"csv\.(writer|DictWriter)\b|from csv import")
    offenders = [
        str(path.relative_to(HUB))
        for path in HUB.rglob("*.py")
        if path.name != "spreadsheet.py" and writers.search(path.read_text())
    ]
    assert offenders == []
