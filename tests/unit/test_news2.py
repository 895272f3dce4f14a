"""NEWS2 scoring against RCP Chart 1 (bands), Chart 2 (risk) and our partial-score rule."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.clinical.news2 import (
    SCALE2_AIR_ASSUMED,
    News2Band,
    band_for,
    format_news2,
    round_temperature,
    score_news2,
)
from schemas.codes import Consciousness
from schemas.observations import Observations

ALL_PARAMETERS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)

NORMAL: dict[str, Any] = {
    "respiration_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 70,
    "consciousness": Consciousness.ALERT,
    "temperature": 37.0,
}


def full_set(**changes: Any) -> Observations:
    return Observations(**(NORMAL | changes))


# (parameter, reading, expected sub-score): every band edge on RCP Chart 1, plus the
# plausibility limits of each reading.
CHART_1 = [
    ("respiration_rate", 0, 3),
    ("respiration_rate", 8, 3),
    ("respiration_rate", 9, 1),
    ("respiration_rate", 11, 1),
    ("respiration_rate", 12, 0),
    ("respiration_rate", 20, 0),
    ("respiration_rate", 21, 2),
    ("respiration_rate", 24, 2),
    ("respiration_rate", 25, 3),
    ("respiration_rate", 80, 3),
    ("systolic_bp", 40, 3),
    ("systolic_bp", 90, 3),
    ("systolic_bp", 91, 2),
    ("systolic_bp", 100, 2),
    ("systolic_bp", 101, 1),
    ("systolic_bp", 110, 1),
    ("systolic_bp", 111, 0),
    ("systolic_bp", 219, 0),
    ("systolic_bp", 220, 3),
    ("systolic_bp", 300, 3),
    ("pulse", 20, 3),
    ("pulse", 40, 3),
    ("pulse", 41, 1),
    ("pulse", 50, 1),
    ("pulse", 51, 0),
    ("pulse", 90, 0),
    ("pulse", 91, 1),
    ("pulse", 110, 1),
    ("pulse", 111, 2),
    ("pulse", 130, 2),
    ("pulse", 131, 3),
    ("pulse", 250, 3),
    ("consciousness", Consciousness.ALERT, 0),
    ("consciousness", Consciousness.NEW_CONFUSION, 3),
    ("consciousness", Consciousness.VOICE, 3),
    ("consciousness", Consciousness.PAIN, 3),
    ("consciousness", Consciousness.UNRESPONSIVE, 3),
    ("on_oxygen", False, 0),
    ("on_oxygen", True, 2),
    ("temperature", 25.0, 3),
    ("temperature", 35.0, 3),
    ("temperature", 35.04, 3),
    ("temperature", 35.05, 1),
    ("temperature", 35.1, 1),
    ("temperature", 36.0, 1),
    ("temperature", 36.04, 1),
    ("temperature", 36.05, 0),
    ("temperature", 36.1, 0),
    ("temperature", 38.0, 0),
    ("temperature", 38.04, 0),
    ("temperature", 38.05, 1),
    ("temperature", 38.1, 1),
    ("temperature", 39.0, 1),
    ("temperature", 39.04, 1),
    ("temperature", 39.05, 2),
    ("temperature", 39.1, 2),
    ("temperature", 45.0, 2),
]


@pytest.mark.parametrize(("parameter", "reading", "expected"), CHART_1)
def test_each_band_edge_scores_as_on_the_rcp_chart(
    parameter: str, reading: Any, expected: int
) -> None:
    result = score_news2(Observations(**{parameter: reading}))

    assert result.parameter_scores == {parameter: expected}


# (SpO2 %, on oxygen, expected SpO2 sub-score)
SPO2_SCALE_1 = [
    (50, False, 3),
    (91, False, 3),
    (92, False, 2),
    (93, False, 2),
    (94, False, 1),
    (95, False, 1),
    (96, False, 0),
    (100, False, 0),
    (91, True, 3),
    (96, True, 0),
    (100, True, 0),
]

SPO2_SCALE_2 = [
    (50, False, 3),
    (83, False, 3),
    (84, False, 2),
    (85, False, 2),
    (86, False, 1),
    (87, False, 1),
    (88, False, 0),
    (92, False, 0),
    (93, False, 0),
    (97, False, 0),
    (100, False, 0),
    (83, True, 3),
    (85, True, 2),
    (87, True, 1),
    (88, True, 0),
    (92, True, 0),
    (93, True, 1),
    (94, True, 1),
    (95, True, 2),
    (96, True, 2),
    (97, True, 3),
    (100, True, 3),
]


@pytest.mark.parametrize(("spo2", "on_oxygen", "expected"), SPO2_SCALE_1)
def test_spo2_scale_1_ignores_oxygen_for_the_saturation_score(
    spo2: int, on_oxygen: bool, expected: int
) -> None:
    result = score_news2(Observations(spo2=spo2, on_oxygen=on_oxygen))

    assert result.parameter_scores == {"spo2": expected, "on_oxygen": 2 if on_oxygen else 0}
    assert result.notes == ()


@pytest.mark.parametrize(("spo2", "on_oxygen", "expected"), SPO2_SCALE_2)
def test_spo2_scale_2_scores_high_saturation_on_oxygen(
    spo2: int, on_oxygen: bool, expected: int
) -> None:
    result = score_news2(Observations(spo2=spo2, spo2_scale=2, on_oxygen=on_oxygen))

    assert result.parameter_scores == {"spo2": expected, "on_oxygen": 2 if on_oxygen else 0}
    assert result.notes == ()


def test_scale_2_high_saturation_with_air_or_oxygen_unknown_is_scored_on_air_and_noted() -> None:
    result = score_news2(Observations(spo2=97, spo2_scale=2))

    assert result.parameter_scores == {"spo2": 0}
    assert "on_oxygen" in result.missing
    assert result.notes == (SCALE2_AIR_ASSUMED,)


@pytest.mark.parametrize(("spo2", "scale"), [(92, 2), (84, 2), (97, 1)])
def test_no_note_when_air_or_oxygen_cannot_change_the_spo2_score(spo2: int, scale: int) -> None:
    assert score_news2(Observations(spo2=spo2, spo2_scale=scale)).notes == ()


@pytest.mark.parametrize(
    ("celsius", "rounded"),
    [(35.05, "35.1"), (38.05, "38.1"), (36.95, "37.0"), (35.04, "35.0"), (37, "37.0")],
)
def test_temperature_rounds_half_up_to_one_decimal_place(celsius: float, rounded: str) -> None:
    assert round_temperature(celsius) == Decimal(rounded)


@pytest.mark.parametrize(
    ("total", "any_single_3", "band"),
    [
        (0, False, News2Band.LOW),
        (4, False, News2Band.LOW),
        (3, True, News2Band.LOW_MEDIUM),
        (4, True, News2Band.LOW_MEDIUM),
        (5, False, News2Band.MEDIUM),
        (5, True, News2Band.MEDIUM),
        (6, True, News2Band.MEDIUM),
        (7, False, News2Band.HIGH),
        (7, True, News2Band.HIGH),
        (20, True, News2Band.HIGH),
    ],
)
def test_band_thresholds(total: int, any_single_3: bool, band: News2Band) -> None:
    assert band_for(total, any_single_3=any_single_3) is band


def test_a_normal_full_set_scores_0_low_and_complete() -> None:
    result = score_news2(full_set())

    assert result.total == 0
    assert result.parameter_scores == dict.fromkeys(ALL_PARAMETERS, 0)
    assert result.missing == ()
    assert result.complete is True
    assert result.band is News2Band.LOW
    assert result.any_single_3 is False
    assert format_news2(result) == "NEWS2 0 (low)"


def test_total_4_without_a_single_3_is_low() -> None:
    result = score_news2(full_set(respiration_rate=21, systolic_bp=95))

    assert result.total == 4
    assert result.band is News2Band.LOW
    assert format_news2(result) == "NEWS2 4 (low)"


def test_a_single_3_with_total_3_is_low_medium() -> None:
    result = score_news2(full_set(consciousness=Consciousness.VOICE))

    assert result.total == 3
    assert result.any_single_3 is True
    assert result.band is News2Band.LOW_MEDIUM
    assert format_news2(result) == "NEWS2 3 (low-medium)"


def test_total_5_is_medium() -> None:
    result = score_news2(full_set(respiration_rate=22, on_oxygen=True, pulse=95))

    assert result.parameter_scores["respiration_rate"] == 2
    assert result.parameter_scores["on_oxygen"] == 2
    assert result.parameter_scores["pulse"] == 1
    assert result.total == 5
    assert result.band is News2Band.MEDIUM


def test_total_6_is_medium() -> None:
    result = score_news2(full_set(respiration_rate=22, on_oxygen=True, pulse=95, temperature=38.5))

    assert result.total == 6
    assert format_news2(result) == "NEWS2 6 (medium)"


def test_total_7_is_high() -> None:
    result = score_news2(full_set(respiration_rate=22, on_oxygen=True, pulse=115, temperature=38.5))

    assert result.total == 7
    assert result.any_single_3 is False
    assert result.band is News2Band.HIGH


def test_worst_full_set_scores_20() -> None:
    result = score_news2(
        Observations(
            respiration_rate=30,
            spo2=88,
            on_oxygen=True,
            systolic_bp=85,
            pulse=140,
            consciousness=Consciousness.UNRESPONSIVE,
            temperature=34.0,
        )
    )

    assert result.total == 20
    assert result.band is News2Band.HIGH


def test_missing_readings_are_not_scored_as_0() -> None:
    result = score_news2(Observations(respiration_rate=22, pulse=95))

    assert result.parameter_scores == {"respiration_rate": 2, "pulse": 1}
    assert result.total == 3
    assert result.missing == ("spo2", "on_oxygen", "systolic_bp", "consciousness", "temperature")
    assert result.complete is False
    assert result.band is News2Band.LOW
    assert format_news2(result) == "NEWS2 3 partial: 2 of 7 taken (low)"


def test_partial_set_of_5_of_7() -> None:
    obs = full_set(respiration_rate=22, pulse=115, temperature=None)
    result = score_news2(obs.model_copy(update={"on_oxygen": None}))

    assert result.missing == ("on_oxygen", "temperature")
    assert result.total == 4
    assert format_news2(result) == "NEWS2 4 partial: 5 of 7 taken (low)"


def test_partial_set_still_reaches_a_band_on_what_was_taken() -> None:
    result = score_news2(Observations(respiration_rate=25, systolic_bp=85, pulse=95))

    assert result.total == 7
    assert result.band is News2Band.HIGH
    assert format_news2(result) == "NEWS2 7 partial: 3 of 7 taken (high)"


def test_nothing_taken_is_said_plainly() -> None:
    result = score_news2(Observations())

    assert result.parameter_scores == {}
    assert result.missing == ALL_PARAMETERS
    assert result.complete is False
    assert format_news2(result) == "NEWS2 not taken"


def test_the_result_is_frozen() -> None:
    result = score_news2(full_set())

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("respiration_rate", -1),
        ("respiration_rate", 81),
        ("spo2", 49),
        ("spo2", 101),
        ("systolic_bp", 39),
        ("systolic_bp", 301),
        ("pulse", 19),
        ("pulse", 251),
        ("temperature", 24.9),
        ("temperature", 45.1),
        ("temperature", float("nan")),
        ("temperature", float("inf")),
    ],
)
def test_implausible_readings_are_refused_with_the_range(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Observations(**{field: value})

    [error] = caught.value.errors()
    assert error["loc"] == (field,)
    assert "outside the plausible range" in error["msg"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("respiration_rate", 12.5),
        ("pulse", "fast"),
        ("spo2_scale", 3),
        ("consciousness", "X"),
        ("blood_glucose", 5.5),
    ],
)
def test_malformed_readings_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Observations(**{field: value})

    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


def test_the_plausible_range_is_in_the_message() -> None:
    with pytest.raises(ValidationError, match="95 is outside the plausible range 0–80 breaths/min"):
        Observations(respiration_rate=95)


def test_the_json_schema_carries_the_bounds() -> None:
    schema = Observations.model_json_schema()["properties"]["systolic_bp"]

    assert {"type": "integer", "minimum": 40, "maximum": 300} in schema["anyOf"]
