"""One call of the demo's history as the rows it leaves: the call (with a prison call's
facts and a Gold Line call's outcome), its state events, its outcome, 72-hour follow-up and
escalations. Every draw comes from the history's one random sequence in a fixed order,
except the prison and Gold Line facts, drawn from the call's own id."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.clinical.news2 import score_news2
from hub.clock import london_month
from hub.demo_case_mix import (
    COUNTERFACTUAL,
    COUNTERFACTUAL_OTHERWISE,
    DISPOSITION,
    HOME_INTENT,
    PRISON_INTENT,
    REASON,
    pick,
)
from hub.storage.tables import Organisation, Person, User
from schemas.codes import (
    Accompaniment,
    CallState,
    Channel,
    Consciousness,
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    OrganisationKind,
    PrisonIntent,
    SoftSign,
)
from schemas.observations import Observations
from schemas.palliative import GoldLineOutcome

Row = dict[str, Any]


@dataclass
class HistoryRows:
    """The rows of the history so far, one list per table, inserted in bulk at the end."""

    calls: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    outcomes: list[Row] = field(default_factory=list)
    escalations: list[Row] = field(default_factory=list)
    followups: list[Row] = field(default_factory=list)


def one_call(
    rng: random.Random,
    rows: HistoryRows,
    site: Organisation,
    residents: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    started: datetime,
    now: datetime,
) -> None:
    """One closed call started at ``started``: its row, its state events and, unless it
    failed before it was answered, its outcome, follow-up and escalations."""
    call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    channel = _channel(rng, site.kind)
    intent = pick(rng, HOME_INTENT)
    disposition = pick(rng, DISPOSITION)
    reason = pick(rng, REASON)
    nurse = rng.choice(nurses)
    technical = disposition is Disposition.NOT_RECORDED
    counterfactual = (
        None if technical else pick(rng, COUNTERFACTUAL.get(intent, COUNTERFACTUAL_OTHERWISE))
    )
    observed = rng.random() < 0.6
    poorly = intent in (HomeIntent.AMBULANCE_999, HomeIntent.ED_SELF_PRESENT) or rng.random() < 0.2
    obs = _observations(rng, poorly) if observed else None
    news2 = score_news2(obs) if obs else None
    answered = started + timedelta(seconds=min(1800, int(rng.lognormvariate(4.6, 0.6))))
    ended = answered + timedelta(minutes=rng.randint(4, 25))
    closed = ended + timedelta(minutes=rng.randint(1, 8))
    followup_due = started + timedelta(hours=72)
    known = followup_due < now and rng.random() < 0.9
    hospital = disposition.is_hospital

    def answer(p_yes: float) -> str:
        if not known or technical:
            return FollowUpAnswer.UNKNOWN.value
        return (
            FollowUpAnswer.YES.value
            if hospital or rng.random() < p_yes
            else FollowUpAnswer.NO.value
        )

    ed, admitted = answer(0.08), answer(0.05)
    if admitted == FollowUpAnswer.YES.value and ed == FollowUpAnswer.NO.value and not hospital:
        ed = FollowUpAnswer.YES.value
    rows.calls.append(
        {
            "id": call_id,
            "site_id": site.id,
            "person_id": rng.choice(residents).id if rng.random() < 0.95 else None,
            "channel": channel.value,
            **_prison_facts(call_id, channel, disposition),
            "gold_line_outcome": _gold_line_outcome(call_id, channel, disposition),
            "reason": reason.value,
            "secondary_reason": None,
            "home_intent": intent.value,
            "concern": None,
            "observations": obs.model_dump(mode="json", exclude_none=True) if obs else None,
            "soft_signs": [rng.choice(list(SoftSign)).value] if rng.random() < 0.5 else [],
            "news2_total": news2.total if news2 else None,
            "news2_band": news2.band.value if news2 else None,
            "news2_complete": news2.complete if news2 else None,
            "priority": 0,
            "state": CallState.CLOSED.value,
            "started_at": started,
            "local_month": london_month(started),
            "answered_at": None if technical else answered,
            "ended_at": ended,
            "closed_at": closed,
            "nurse_id": nurse.id,
            "nurse_counterfactual": counterfactual.value if counterfactual else None,
            "disposition": disposition.value,
            "ed_within_72h": ed,
            "admitted_within_72h": admitted,
            "source": "demo",
            "external_id": None,
            "device_id": None,
            "caller_name": None,
        }
    )
    flow = [(None, CallState.REQUESTED, started), (CallState.REQUESTED, CallState.QUEUED, started)]
    if not technical:
        flow += [
            (CallState.QUEUED, CallState.RINGING, answered - timedelta(seconds=5)),
            (CallState.RINGING, CallState.CONNECTED, answered),
            (CallState.CONNECTED, CallState.WRAP_UP, ended),
        ]
    flow.append((flow[-1][1], CallState.CLOSED, closed))
    for from_state, to_state, at in flow:
        rows.events.append(
            {
                "call_id": call_id,
                "at": at,
                "kind": "state",
                "from_state": from_state.value if from_state else None,
                "to_state": to_state.value,
                "actor_user_id": nurse.id if to_state is not CallState.REQUESTED else None,
                "actor_device_id": None,
                "detail": None,
            }
        )
    if technical:
        return
    rows.outcomes.append(
        {
            "call_id": call_id,
            "disposition": disposition.value,
            "nurse_counterfactual": counterfactual.value if counterfactual else "unknown",
            "clinical_note": "Assessed by video with the home; plan agreed and recorded.",
            "follow_up_needed": True,
            "recorded_by": nurse.id,
            "recorded_at": closed,
        }
    )
    rows.followups.append(
        {
            "call_id": call_id,
            "due_at": followup_due,
            "completed_at": followup_due + timedelta(hours=2) if known else None,
            "completed_by": nurse.id if known else None,
            "ed_within_72h": ed,
            "admitted_within_72h": admitted,
        }
    )
    if disposition is Disposition.SPECIALIST_ADVICE or rng.random() < 0.04:
        rows.escalations.append(
            {
                "call_id": call_id,
                "code": "specialist_joined",
                "specialty": specialist.specialty,
                "at": answered + timedelta(minutes=3),
                "recorded_by": nurse.id,
            }
        )
    if disposition is Disposition.AMBULANCE_999:
        rows.escalations.append(
            {
                "call_id": call_id,
                "code": "ambulance_requested",
                "specialty": None,
                "at": ended,
                "recorded_by": nurse.id,
            }
        )


def _channel(rng: random.Random, kind: str) -> Channel:
    if kind == OrganisationKind.OWN_HOME:
        return Channel.GOLD_LINE if rng.random() < 0.4 else Channel.HOME_PATIENT
    if kind == OrganisationKind.PRISON:
        return Channel.PRISON_CLINIC if rng.random() < 0.3 else Channel.PRISON_URGENT
    return Channel.CARE_HOME


def _prison_facts(call_id: str, channel: Channel, disposition: Disposition) -> dict[str, Any]:
    """A prison call's counterfactual, who was with the patient and whether an escort was
    needed (a hospital disposition needed one). Drawn from the call's own id, so the rest of
    the demo's random sequence (and so every other call) is as it was."""
    if channel not in (Channel.PRISON_URGENT, Channel.PRISON_CLINIC):
        return {"prison_intent": None, "accompanied_by": None, "escort_needed": None}
    own = random.Random(call_id)
    technical = disposition is Disposition.NOT_RECORDED
    intent = (
        pick(own, PRISON_INTENT)
        if channel is Channel.PRISON_URGENT
        else PrisonIntent.ESCORTED_OUTPATIENT
    )
    with_patient = [Accompaniment.HEALTHCARE_STAFF.value]
    if own.random() < 0.6:
        with_patient.append(Accompaniment.OFFICER.value)
    return {
        "prison_intent": intent.value,
        "accompanied_by": with_patient,
        "escort_needed": None if technical else disposition.is_hospital,
    }


def _gold_line_outcome(call_id: str, channel: Channel, disposition: Disposition) -> str | None:
    """A Gold Line call's outcome: the one that goes with its disposition, or (where none
    does) the hospice or "other", drawn from the call's own id like the prison facts."""
    if channel is not Channel.GOLD_LINE or disposition is Disposition.CALL_FAILED_TECHNICAL:
        return None
    fitting = [o for o in GoldLineOutcome if disposition in o.fits]
    if fitting:
        return fitting[0].value
    return random.Random(call_id).choice([GoldLineOutcome.HOSPICE, GoldLineOutcome.OTHER]).value


def _observations(rng: random.Random, poorly: bool) -> Observations:
    return Observations(
        respiration_rate=rng.choice([16, 18, 20, 22, 24, 26])
        if poorly
        else rng.choice([14, 16, 18]),
        spo2=rng.randint(89, 95) if poorly else rng.randint(94, 99),
        spo2_scale=1,
        on_oxygen=poorly and rng.random() < 0.2,
        systolic_bp=rng.randint(95, 150),
        pulse=rng.randint(88, 125) if poorly else rng.randint(60, 95),
        consciousness=Consciousness.NEW_CONFUSION
        if poorly and rng.random() < 0.3
        else Consciousness.ALERT,
        temperature=round(rng.uniform(37.8, 39.4) if poorly else rng.uniform(36.0, 37.6), 1),
    )
