"""The demo's case mix: how often each reason, home intent, disposition and nurse's
counterfactual comes up, the hours calls come in, and the draws made from them. Only
proportions and draws: the rows are built in ``demo_call.py``."""

from __future__ import annotations

import math
import random
from typing import TypeVar

from schemas.codes import (
    Disposition,
    HomeIntent,
    NurseCounterfactual,
    PrisonIntent,
    Reason,
)

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


PRISON_INTENT = {
    PrisonIntent.ESCORTED_ED: 0.45,
    PrisonIntent.ESCORTED_OUTPATIENT: 0.2,
    PrisonIntent.BED_WATCH_ADMISSION: 0.1,
    PrisonIntent.MANAGED_IN_PRISON: 0.2,
    PrisonIntent.UNKNOWN: 0.05,
}


def pick(rng: random.Random, weights: dict[K, float]) -> K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
