"""A care home's pre-call form read back to the hub nurse as SBARD."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from hub.clinical.news2 import score_news2
from hub.clinical.sbard import Sbard, build_sbard
from schemas.codes import Consciousness, HomeIntent, Reason, SoftSign
from schemas.observations import Observations


def sbard(**changes: Any) -> Sbard:
    form: dict[str, Any] = {
        "resident_name": "Ada Jones",
        "site_name": "Oak House",
        "reason": Reason.FALL_NO_INJURY,
        "secondary_reason": None,
        "concern": "Found on the floor at 3am",
        "soft_signs": [],
        "observations": None,
        "news2": None,
    }
    return build_sbard(**(form | changes))


def test_a_fall_with_soft_signs_and_a_full_set_reads_at_a_glance() -> None:
    obs = Observations(
        respiration_rate=22,
        spo2=95,
        on_oxygen=False,
        systolic_bp=105,
        pulse=96,
        consciousness=Consciousness.NEW_CONFUSION,
        temperature=38.05,
    )

    result = sbard(
        secondary_reason=Reason.NEW_CONFUSION,
        soft_signs=[SoftSign.UNSTEADY_FALLS, SoftSign.CONFUSION_DROWSINESS],
        observations=obs,
        news2=score_news2(obs),
        background="Dementia. ReSPECT: not for CPR.",
        home_intent_label=HomeIntent.AMBULANCE_999.label,
    )

    assert result.as_text() == (
        "Situation: Ada Jones at Oak House: Fall, no injury; also new confusion."
        " Concern: Found on the floor at 3am.\n"
        "Background: Dementia. ReSPECT: not for CPR.\n"
        "Assessment: Soft signs: Unsteady or falling; New confusion or drowsiness."
        " Observations: RR 22/min, SpO2 95% on air, BP 105 systolic, pulse 96/min,"
        " New confusion, temp 38.1°C."
        " NEWS2 9 (high); scored 3 on consciousness.\n"
        "Recommendation: Asking for hub nurse advice."
        " Without this call the home would: call 999 for an ambulance.\n"
        "Decision: not yet agreed"
    )


def test_the_decision_is_empty_until_agreed_on_the_call() -> None:
    result = sbard()

    assert result.decision == ""
    agreed = dataclasses.replace(result, decision="GP to visit by noon; call back if worse.")
    assert agreed.as_text().endswith("Decision: GP to visit by noon; call back if worse.")


def test_the_sbard_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sbard().decision = "changed"  # type: ignore[misc]


def test_an_unnamed_resident_and_no_detail_still_reads_plainly() -> None:
    result = sbard(resident_name="  ", reason=Reason.OTHER, concern="")

    assert result.situation == "Resident (name not given) at Oak House: Other."
    assert result.background == "None given."
    assert result.assessment == "No soft signs recorded. Observations not taken."
    assert result.recommendation == "Asking for hub nurse advice."


def test_soft_signs_only_as_in_the_mini_form() -> None:
    result = sbard(soft_signs=[SoftSign.NOT_THEMSELVES, SoftSign.REDUCED_EATING_DRINKING])

    assert result.assessment == (
        "Soft signs: Not themselves (something is not right); Eating or drinking less."
        " Observations not taken."
    )


def test_a_repeated_soft_sign_is_listed_once() -> None:
    result = sbard(soft_signs=[SoftSign.NEW_PAIN, SoftSign.NEW_PAIN])

    assert result.assessment.startswith("Soft signs: New pain. ")


def test_the_same_secondary_reason_is_not_repeated() -> None:
    result = sbard(secondary_reason=Reason.FALL_NO_INJURY, concern="")

    assert result.situation == "Ada Jones at Oak House: Fall, no injury."


def test_news2_is_scored_from_the_observations_when_not_given() -> None:
    result = sbard(observations=Observations(pulse=135, temperature=35.05))

    assert result.assessment == (
        "No soft signs recorded. Observations: pulse 135/min, temp 35.1°C."
        " NEWS2 4 partial: 2 of 7 taken (low-medium); scored 3 on pulse;"
        " not taken: respiration rate, SpO2, air or oxygen, systolic BP, consciousness."
    )


def test_a_given_news2_is_used_as_it_is() -> None:
    given = score_news2(Observations(respiration_rate=30))

    result = sbard(observations=Observations(pulse=70), news2=given)

    assert "NEWS2 3 partial: 1 of 7 taken (low-medium)" in result.assessment


def test_scale_2_and_the_air_assumption_are_shown() -> None:
    result = sbard(observations=Observations(spo2=95, spo2_scale=2))

    assert result.assessment == (
        "No soft signs recorded. Observations: SpO2 95% (scale 2)."
        " NEWS2 0 partial: 1 of 7 taken (low);"
        " not taken: respiration rate, air or oxygen, systolic BP, pulse, consciousness,"
        " temperature. Note: SpO2 scored on air (scale 2): air or oxygen not recorded."
    )


def test_oxygen_without_a_saturation_is_still_shown() -> None:
    result = sbard(observations=Observations(on_oxygen=True))

    assert "Observations: on oxygen." in result.assessment
    assert "NEWS2 2 partial: 1 of 7 taken (low)" in result.assessment


def test_an_empty_set_of_observations_reads_as_not_taken() -> None:
    result = sbard(observations=Observations())

    assert result.assessment == "No soft signs recorded. Observations not taken."
