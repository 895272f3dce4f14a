"""The demo's call history: a year of calls in plausible proportions (reasons, what the home
would have done, outcomes, escalations and 72-hour follow-ups), inserted in bulk."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert

from hub.clinical.news2 import score_news2
from hub.clock import london_month
from hub.storage.repos.quality import FAILURE_COLUMNS, failure_row
from hub.storage.tables import (
    Call,
    CallEvent,
    CallQualityReport,
    Escalation,
    FollowUpTask,
    Organisation,
    Outcome,
    Person,
    User,
)
from schemas.codes import (
    Accompaniment,
    CallState,
    Channel,
    Consciousness,
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    OrganisationKind,
    PrisonIntent,
    Reason,
    SoftSign,
)
from schemas.observations import Observations
from schemas.palliative import GoldLineOutcome

K = TypeVar("K")

HOME_INTENT: dict[HomeIntent, float] = {
    HomeIntent.GP_URGENT: 0.52,
    HomeIntent.OOH_GP: 0.12,
    HomeIntent.AMBULANCE_999: 0.09,
    HomeIntent.ED_SELF_PRESENT: 0.03,
    HomeIntent.DISTRICT_NURSE: 0.08,
    HomeIntent.WAIT_AND_SEE: 0.11,
    HomeIntent.UNKNOWN: 0.05,
}
DISPOSITION: dict[Disposition, float] = {
    Disposition.MANAGED_IN_PLACE: 0.30,
    Disposition.GP_FOLLOWUP: 0.21,
    Disposition.DISTRICT_NURSE: 0.09,
    Disposition.OOH_GP: 0.05,
    Disposition.SPECIALIST_ADVICE: 0.06,
    Disposition.PALLIATIVE_SUPPORT: 0.04,
    Disposition.AMBULANCE_999: 0.08,
    Disposition.ED_SELF_PRESENT: 0.04,
    Disposition.DIRECT_ADMISSION: 0.03,
    Disposition.DIED_EXPECTED: 0.02,
    Disposition.NOT_RECORDED: 0.03,  # the call failed before it was answered (no outcome)
}
REASON: dict[Reason, float] = {
    Reason.FALL_NO_INJURY: 0.14,
    Reason.FALL_INJURY: 0.07,
    Reason.BREATHING_DIFFICULTY: 0.09,
    Reason.CHEST_PAIN: 0.03,
    Reason.SUSPECTED_INFECTION: 0.13,
    Reason.FEVER: 0.04,
    Reason.NEW_CONFUSION: 0.06,
    Reason.REDUCED_CONSCIOUSNESS: 0.02,
    Reason.PAIN: 0.06,
    Reason.WOUND_SKIN: 0.06,
    Reason.PRESSURE_ULCER: 0.02,
    Reason.CATHETER_PROBLEM: 0.04,
    Reason.BLOOD_GLUCOSE: 0.02,
    Reason.NOT_EATING_DRINKING: 0.04,
    Reason.VOMITING_DIARRHOEA: 0.04,
    Reason.MEDICATION_QUERY: 0.07,
    Reason.END_OF_LIFE_SYMPTOMS: 0.03,
    Reason.BEHAVIOUR_MENTAL_HEALTH: 0.02,
    Reason.VERIFICATION_OF_DEATH: 0.01,
    Reason.OTHER: 0.01,
}
# The nurse's view of what would have happened, given what the home says it would have done.
COUNTERFACTUAL: dict[HomeIntent, dict[NurseCounterfactual, float]] = {
    HomeIntent.AMBULANCE_999: {
        NurseCounterfactual.ADMISSION: 0.4,
        NurseCounterfactual.ED_ATTENDANCE: 0.35,
        NurseCounterfactual.AMBULANCE_SEE_TREAT: 0.2,
        NurseCounterfactual.GP_CONTACT: 0.05,
    },
    HomeIntent.ED_SELF_PRESENT: {
        NurseCounterfactual.ADMISSION: 0.25,
        NurseCounterfactual.ED_ATTENDANCE: 0.6,
        NurseCounterfactual.GP_CONTACT: 0.15,
    },
}
COUNTERFACTUAL_OTHERWISE = {
    NurseCounterfactual.GP_CONTACT: 0.6,
    NurseCounterfactual.COMMUNITY_CONTACT: 0.12,
    NurseCounterfactual.NO_NHS_CONTACT: 0.12,
    NurseCounterfactual.ADMISSION: 0.06,
    NurseCounterfactual.ED_ATTENDANCE: 0.05,
    NurseCounterfactual.UNKNOWN: 0.05,
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 7, 6, 6, 5, 5, 4, 3, 3, 2, 1]


def _pick(rng: random.Random, weights: dict[K, float]) -> K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _channel(rng: random.Random, kind: str) -> Channel:
    if kind == OrganisationKind.OWN_HOME:
        return Channel.GOLD_LINE if rng.random() < 0.4 else Channel.HOME_PATIENT
    if kind == OrganisationKind.PRISON:
        return Channel.PRISON_CLINIC if rng.random() < 0.3 else Channel.PRISON_URGENT
    return Channel.CARE_HOME


PRISON_INTENT = {
    PrisonIntent.ESCORTED_ED: 0.45,
    PrisonIntent.ESCORTED_OUTPATIENT: 0.2,
    PrisonIntent.BED_WATCH_ADMISSION: 0.1,
    PrisonIntent.MANAGED_IN_PRISON: 0.2,
    PrisonIntent.UNKNOWN: 0.05,
}


def _prison_facts(call_id: str, channel: Channel, disposition: Disposition) -> dict[str, Any]:
    """A prison call's counterfactual, who was with the patient and whether an escort was
    needed (a hospital disposition needed one). Drawn from the call's own id, so the rest of
    the demo's random sequence (and so every other call) is as it was."""
    if channel not in (Channel.PRISON_URGENT, Channel.PRISON_CLINIC):
        return {"prison_intent": None, "accompanied_by": None, "escort_needed": None}
    own = random.Random(call_id)
    technical = disposition is Disposition.NOT_RECORDED
    intent = (
        _pick(own, PRISON_INTENT)
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


async def call_history(
    s: Any,
    rng: random.Random,
    sites: Sequence[Organisation],
    people: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    now: datetime,
    months: int,
) -> int:
    by_site: dict[int, list[Person]] = {}
    for person in people:
        by_site.setdefault(person.site_id, []).append(person)
    start = now - timedelta(days=round(months * 30.44))
    days = (now - start).days
    calls: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    followups: list[dict[str, Any]] = []
    for site in sites:
        assert site.id is not None
        residents = by_site[site.id]
        # About 3 calls per 10 beds a month; services without beds scale with their patients.
        per_day = (site.registered_beds or len(residents) * 2) * 0.3 / 30.44
        total = sum(1 for _ in range(days) for _ in range(_poisson(rng, per_day)))
        for _ in range(total):
            day = now - timedelta(days=rng.uniform(0, days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started = day.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            if started >= now - timedelta(hours=1):
                continue
            _one_call(
                rng,
                site,
                residents,
                nurses,
                specialist,
                started,
                now,
                calls,
                events,
                outcomes,
                escalations,
                followups,
            )
    failures = [  # its failure is the call's quality record, apart from the disposition
        dict(zip(FAILURE_COLUMNS, failure_row(c["id"], c["closed_at"]), strict=True))
        for c in calls
        if c["disposition"] == Disposition.NOT_RECORDED.value
    ]
    for table, batch in (
        (Call, calls),
        (CallEvent, events),
        (CallQualityReport, failures),
        (Outcome, outcomes),
        (Escalation, escalations),
        (FollowUpTask, followups),
    ):
        for chunk in range(0, len(batch), 2000):
            await s.execute(insert(table), batch[chunk : chunk + 2000])
    return len(calls)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _one_call(
    rng: random.Random,
    site: Organisation,
    residents: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    started: datetime,
    now: datetime,
    calls: list[dict[str, Any]],
    events: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    escalations: list[dict[str, Any]],
    followups: list[dict[str, Any]],
) -> None:
    call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    channel = _channel(rng, site.kind)
    intent = _pick(rng, HOME_INTENT)
    disposition = _pick(rng, DISPOSITION)
    reason = _pick(rng, REASON)
    nurse = rng.choice(nurses)
    technical = disposition is Disposition.NOT_RECORDED
    counterfactual = (
        None if technical else _pick(rng, COUNTERFACTUAL.get(intent, COUNTERFACTUAL_OTHERWISE))
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
    calls.append(
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
        events.append(
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
    outcomes.append(
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
    followups.append(
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
        escalations.append(
            {
                "call_id": call_id,
                "code": "specialist_joined",
                "specialty": specialist.specialty,
                "at": answered + timedelta(minutes=3),
                "recorded_by": nurse.id,
            }
        )
    if disposition is Disposition.AMBULANCE_999:
        escalations.append(
            {
                "call_id": call_id,
                "code": "ambulance_requested",
                "specialty": None,
                "at": ended,
                "recorded_by": nurse.id,
            }
        )
