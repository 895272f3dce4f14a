"""NEWS2 (Royal College of Physicians, 2017): sub-scores, total and clinical risk band.

Missing readings are not scored as 0. The result lists what was taken and what was not;
a partial total (and so its band) is a lower bound, never a reassurance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from schemas.codes import Consciousness
from schemas.observations import Observations

PARAMETER_LABELS: dict[str, str] = {
    "respiration_rate": "respiration rate",
    "spo2": "SpO2",
    "on_oxygen": "air or oxygen",
    "systolic_bp": "systolic BP",
    "pulse": "pulse",
    "consciousness": "consciousness",
    "temperature": "temperature",
}
"""The seven NEWS2 parameters, keyed by the ``Observations`` field they are read from."""

SCALE2_AIR_ASSUMED = "SpO2 scored on air (scale 2): air or oxygen not recorded"


class News2Band(StrEnum):
    """RCP clinical risk, Chart 2."""

    LOW = "low"
    LOW_MEDIUM = "low_medium"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-")


@dataclass(frozen=True)
class News2Result:
    total: int
    """Sum of the parameters that were taken."""
    parameter_scores: dict[str, int] = field(hash=False)
    missing: tuple[str, ...]
    complete: bool
    band: News2Band
    any_single_3: bool
    notes: tuple[str, ...] = ()
    """Assumptions made while scoring, e.g. ``SCALE2_AIR_ASSUMED``."""


def round_temperature(celsius: float) -> Decimal:
    """Round to one decimal place, half up, on the value as typed: 35.05 -> 35.1."""
    return Decimal(str(celsius)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _respiration_rate(rate: int) -> int:
    if rate <= 8:
        return 3
    if rate <= 11:
        return 1
    if rate <= 20:
        return 0
    if rate <= 24:
        return 2
    return 3


def _spo2(spo2: int, *, scale: int, on_oxygen: bool | None) -> int:
    if scale == 1:
        if spo2 <= 91:
            return 3
        if spo2 <= 93:
            return 2
        if spo2 <= 95:
            return 1
        return 0
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:  # 88-92, or >= 93 on air (or air/oxygen unknown)
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def _systolic_bp(mmhg: int) -> int:
    if mmhg <= 90:
        return 3
    if mmhg <= 100:
        return 2
    if mmhg <= 110:
        return 1
    if mmhg <= 219:
        return 0
    return 3


def _pulse(rate: int) -> int:
    if rate <= 40:
        return 3
    if rate <= 50:
        return 1
    if rate <= 90:
        return 0
    if rate <= 110:
        return 1
    if rate <= 130:
        return 2
    return 3


def _temperature(celsius: float) -> int:
    t = round_temperature(celsius)
    if t <= Decimal("35.0"):
        return 3
    if t <= Decimal("36.0"):
        return 1
    if t <= Decimal("38.0"):
        return 0
    if t <= Decimal("39.0"):
        return 1
    return 2


def _consciousness(level: Consciousness) -> int:
    return 0 if level is Consciousness.ALERT else 3


def band_for(total: int, *, any_single_3: bool) -> News2Band:
    if total >= 7:
        return News2Band.HIGH
    if total >= 5:
        return News2Band.MEDIUM
    if any_single_3:
        return News2Band.LOW_MEDIUM
    return News2Band.LOW


def score_news2(obs: Observations) -> News2Result:
    """Score what was taken; list what was not.

    SpO2 on scale 2 at 93% or more depends on air or oxygen: if that was not recorded the
    SpO2 is scored as on air (0), ``SCALE2_AIR_ASSUMED`` is noted, and the air-or-oxygen
    parameter stays missing, so the result is partial.
    """
    scores: dict[str, int] = {}
    notes: tuple[str, ...] = ()
    if obs.respiration_rate is not None:
        scores["respiration_rate"] = _respiration_rate(obs.respiration_rate)
    if obs.spo2 is not None:
        scores["spo2"] = _spo2(obs.spo2, scale=obs.spo2_scale, on_oxygen=obs.on_oxygen)
        if obs.spo2_scale == 2 and obs.spo2 >= 93 and obs.on_oxygen is None:
            notes = (SCALE2_AIR_ASSUMED,)
    if obs.on_oxygen is not None:
        scores["on_oxygen"] = 2 if obs.on_oxygen else 0
    if obs.systolic_bp is not None:
        scores["systolic_bp"] = _systolic_bp(obs.systolic_bp)
    if obs.pulse is not None:
        scores["pulse"] = _pulse(obs.pulse)
    if obs.consciousness is not None:
        scores["consciousness"] = _consciousness(obs.consciousness)
    if obs.temperature is not None:
        scores["temperature"] = _temperature(obs.temperature)

    missing = tuple(name for name in PARAMETER_LABELS if name not in scores)
    total = sum(scores.values())
    any_single_3 = 3 in scores.values()
    return News2Result(
        total=total,
        parameter_scores=scores,
        missing=missing,
        complete=not missing,
        band=band_for(total, any_single_3=any_single_3),
        any_single_3=any_single_3,
        notes=notes,
    )


def format_news2(result: News2Result) -> str:
    """``NEWS2 6 (medium)`` or ``NEWS2 4 partial: 5 of 7 taken (low)``."""
    taken = len(result.parameter_scores)
    if taken == 0:
        return "NEWS2 not taken"
    band = result.band.label
    if result.complete:
        return f"NEWS2 {result.total} ({band})"
    return f"NEWS2 {result.total} partial: {taken} of {len(PARAMETER_LABELS)} taken ({band})"
