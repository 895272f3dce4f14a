"""Reading a call file: the shortcut for plainly written rows gives exactly what the row
model gives, and leaves every other row to the model (which names what is wrong)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.clock import FakeClock
from hub.imports.call_file import fields_of, plainly_valid
from hub.imports.calls import CallImport
from hub.imports.source import Tally
from hub.settings import HubSettings
from hub.storage.scope import SYSTEM
from schemas.imports import CallRow, ImportKind
from support.world import NOW

PLAIN = {
    "call_id": "C01",
    "site_ods": "VHOMA",
    "site_kind": "care_home_nursing",
    "channel": "care_home",
    "started_at": "2026-10-03T10:15:00+01:00",
    "answered_at": "2026-10-03T10:18:20+01:00",
    "ended_at": "2026-10-03T10:40:00Z",
    "nhs_number": "9434765919",
    "reason": "fall_injury",
    "home_intent": "ambulance_999",
    "nurse_counterfactual": "ed_attendance",
    "disposition": "managed_in_place",
    "escalations": "specialist_joined;gp_contacted",
    "ed_within_72h": "no",
    "admitted_within_72h": "unknown",
    "gold_line_outcome": "",
}

# Other ways to write each column: plain or not, valid or not.
VARIANTS: dict[str, list[str]] = {
    "call_id": ["", " C01", "C01 ", "x" * 64, "x" * 65, "ç01", "a,b", "\u00a0C01"],
    "site_ods": ["vhoma", " VHOMA", "VH", "VHOMA12345", "VHOMA123456", "VH-MA", "ＶHOMA", "ıHOMA"],
    "site_kind": ["own_home", "prison", "Care_home_nursing", " own_home", "hospital", ""],
    "channel": ["gold_line", "care_home ", "CARE_HOME", "phone"],
    "gold_line_outcome": ["resolved_by_hub", "ambulance", " hospice", "Hospice", "nonsense"],
    "started_at": [
        "2026-10-03T10:15:00Z",
        "2026-10-03T10:15:00.5+01:00",
        "2026-10-03T10:15:00.123456-05:30",
        "2026-10-03T10:15:00.1234567+01:00",
        "2026-10-03T10:15:00",
        "2026-10-03 10:15:00+01:00",
        "2026-10-03t10:15:00z",
        "2026-02-30T10:15:00Z",
        "2026-10-03T24:00:00Z",
        "2026-10-03T10:15:60Z",
        "2026-10-03T10:15:00+14:00",
        "2026-10-03T10:15:00+23:59",
        "2026-10-03T10:15:00+24:00",
        "2026-10-31T00:30:00+01:00",
        "2026-10-25T01:30:00+00:00",
        "0999-10-03T10:15:00Z",
        "1791000000",
        " 2026-10-03T10:15:00Z",
        "",
    ],
    "answered_at": ["", " ", "2026-10-03T09:00:00Z", "2026-10-03T09:15:00Z", "soon", "\t"],
    "ended_at": ["", "  ", "2026-10-03T09:14:59Z", "2026-10-03T11:00:00.250Z", "later"],
    "nhs_number": [
        "",
        " ",
        "943 476 5919",
        "943-476-5919",
        " 9434765919",
        "9434765918",
        "4000000000",
        "401023213",
        "94347659190",
        "０434765919",
    ],
    "reason": ["other", "Fever", "fever;pain"],
    "home_intent": ["unknown", "ambulance", ""],
    "nurse_counterfactual": ["admission", "none"],
    "disposition": ["call_failed_technical", "ambulance_999", "home"],
    "escalations": [
        "",
        " ",
        ";",
        "hub_doctor",
        " hub_doctor ; gp_contacted ",
        "hub_doctor;;gp_contacted",
        "hub_doctor;bogus",
        "HUB_DOCTOR",
        "hub_doctor\u00a0",
    ],
    "ed_within_72h": ["yes", "unknown", "Yes", "y"],
    "admitted_within_72h": ["no", "maybe", ""],
}


def _rows() -> list[dict[str, str]]:
    rows = [dict(PLAIN)]
    for column, values in VARIANTS.items():
        rows += [{**PLAIN, column: value} for value in values]
    rows.append({**PLAIN, "started_at": "2026-10-03T10:15:00Z", "answered_at": "", "ended_at": ""})
    gold_line = {**PLAIN, "channel": "gold_line"}  # its outcome is checked against the disposition
    rows += [{**gold_line, "gold_line_outcome": v} for v in VARIANTS["gold_line_outcome"]]
    rows.append({**gold_line, "gold_line_outcome": "ambulance", "disposition": "ambulance_999"})
    rows.append({**gold_line, "gold_line_outcome": "resolved_by_hub", "disposition": "home"})
    return rows


@pytest.mark.parametrize("raw", _rows())
def test_the_shortcut_agrees_with_the_row_model(raw: dict[str, str]) -> None:
    quick = plainly_valid(raw)
    try:
        expected = fields_of(CallRow.model_validate(raw))
    except ValidationError:
        assert quick is None, "the shortcut accepted a row the model refuses"
        return
    if quick is not None:
        assert quick == expected
        assert [type(v) for v in quick] == [type(v) for v in expected]


def test_plain_rows_take_the_shortcut() -> None:
    plain = [
        PLAIN,
        {**PLAIN, "site_ods": "vhoma"},
        {**PLAIN, "answered_at": "", "ended_at": " ", "nhs_number": "", "escalations": ""},
        {**PLAIN, "started_at": "2026-10-03T09:15:00.5Z", "escalations": " hub_doctor ; ;"},
        {**PLAIN, "channel": "gold_line", "gold_line_outcome": "resolved_by_hub"},
    ]
    for raw in plain:
        assert plainly_valid(raw) == fields_of(CallRow.model_validate(raw))


def test_import_ids_are_uuids_that_count_up() -> None:
    importer = CallImport(SYSTEM, FakeClock(NOW), HubSettings(environment="test"),
                          Tally(ImportKind.CALLS), skip_invalid=False)  # fmt: skip
    first, second = importer._next_id(), importer._next_id()
    prefix = uuid.UUID(first).int >> 64 << 64
    assert first == str(uuid.UUID(int=prefix | 1, version=4))
    assert second == str(uuid.UUID(int=prefix | 2, version=4))
    assert uuid.UUID(first).version == 4


def test_the_worked_example_takes_the_shortcut() -> None:
    import csv

    path = Path(__file__).parent.parent / "data" / "reports" / "worked_calls.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for raw in rows:
        quick = plainly_valid(raw)
        assert quick is not None, raw["call_id"]
        assert quick == fields_of(CallRow.model_validate(raw))
