"""SBARD: the pre-call form as Situation, Background, Assessment, Recommendation, Decision.

Short plain-English lines for the hub nurse to read at a glance. The Decision stays empty
until it is agreed on the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.clinical.news2 import (
    PARAMETER_LABELS,
    News2Result,
    format_news2,
    round_temperature,
    score_news2,
)
from schemas.codes import Reason, SoftSign
from schemas.observations import Observations


@dataclass(frozen=True)
class Sbard:
    situation: str
    background: str
    assessment: str
    recommendation: str
    decision: str = ""

    def as_text(self) -> str:
        return "\n".join(
            [
                f"Situation: {self.situation}",
                f"Background: {self.background}",
                f"Assessment: {self.assessment}",
                f"Recommendation: {self.recommendation}",
                f"Decision: {self.decision or 'not yet agreed'}",
            ]
        )


def build_sbard(
    *,
    resident_name: str | None,
    site_name: str,
    reason: Reason,
    secondary_reason: Reason | None,
    concern: str,
    soft_signs: list[SoftSign],
    observations: Observations | None,
    news2: News2Result | None,
    background: str | None = None,
    home_intent_label: str | None = None,
    caller_label: str | None = None,
) -> Sbard:
    """Build the SBARD; NEWS2 is scored from ``observations`` when not given."""
    if news2 is None and observations is not None:
        news2 = score_news2(observations)
    return Sbard(
        situation=_situation(resident_name, site_name, reason, secondary_reason, concern)
        + (f" Calling: {_sentence(caller_label).lower()}" if caller_label else ""),
        background=_sentence(background) or "None given.",
        assessment=" ".join(
            [_soft_signs(soft_signs), _observations(observations), _news2(news2)]
        ).strip(),
        recommendation=_recommendation(home_intent_label),
    )


def _sentence(text: str | None) -> str:
    """Trimmed text ending in one full stop; empty stays empty."""
    text = (text or "").strip().rstrip(".")
    return f"{text}." if text else ""


def _situation(
    resident_name: str | None,
    site_name: str,
    reason: Reason,
    secondary_reason: Reason | None,
    concern: str,
) -> str:
    who = (resident_name or "").strip() or "Resident (name not given)"
    why = reason.label
    if secondary_reason is not None and secondary_reason is not reason:
        why += f"; also {secondary_reason.label.lower()}"
    concern_text = _sentence(concern)
    return f"{who} at {site_name}: {why}." + (f" Concern: {concern_text}" if concern_text else "")


def _soft_signs(soft_signs: list[SoftSign]) -> str:
    if not soft_signs:
        return "No soft signs recorded."
    return "Soft signs: " + "; ".join(dict.fromkeys(s.label for s in soft_signs)) + "."


def _observations(obs: Observations | None) -> str:
    if obs is None:
        return "Observations not taken."
    parts: list[str] = []
    if obs.respiration_rate is not None:
        parts.append(f"RR {obs.respiration_rate}/min")
    if obs.spo2 is not None:
        spo2 = f"SpO2 {obs.spo2}%"
        if obs.on_oxygen is not None:
            spo2 += " on oxygen" if obs.on_oxygen else " on air"
        parts.append(spo2 + (" (scale 2)" if obs.spo2_scale == 2 else ""))
    elif obs.on_oxygen is not None:
        parts.append("on oxygen" if obs.on_oxygen else "on air")
    if obs.systolic_bp is not None:
        parts.append(f"BP {obs.systolic_bp} systolic")
    if obs.pulse is not None:
        parts.append(f"pulse {obs.pulse}/min")
    if obs.consciousness is not None:
        parts.append(obs.consciousness.label)
    if obs.temperature is not None:
        parts.append(f"temp {round_temperature(obs.temperature)}°C")
    if not parts:
        return "Observations not taken."
    return "Observations: " + ", ".join(parts) + "."


def _news2(news2: News2Result | None) -> str:
    if news2 is None or not news2.parameter_scores:
        return ""
    text = format_news2(news2)
    threes = [PARAMETER_LABELS[n] for n, s in news2.parameter_scores.items() if s == 3]
    if threes:
        text += f"; scored 3 on {', '.join(threes)}"
    if news2.missing:
        text += f"; not taken: {', '.join(PARAMETER_LABELS[n] for n in news2.missing)}"
    return text + "." + "".join(f" Note: {note}." for note in news2.notes)


def _recommendation(home_intent_label: str | None) -> str:
    text = "Asking for hub nurse advice."
    intent = _sentence(home_intent_label)
    intent = intent[:1].lower() + intent[1:]
    return f"{text} Without this call the home would: {intent}" if intent else text
