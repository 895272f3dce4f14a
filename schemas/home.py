"""The two optional questions a patient or carer at home is asked after the one button, in
plain words, each answer mapped onto the one vocabulary (``schemas.codes``). A question
skipped leaves its code ``unknown``. Documented in docs/report-method.md."""

from __future__ import annotations

from typing import NamedTuple

from .codes import HomeIntent, Reason


class PlainAnswer(NamedTuple):
    label: str
    code: str


MAIN_PROBLEM_QUESTION = "What is the main problem?"
MAIN_PROBLEMS: tuple[PlainAnswer, ...] = (
    PlainAnswer("Pain", Reason.PAIN.value),
    PlainAnswer("Breathing", Reason.BREATHING_DIFFICULTY.value),
    PlainAnswer("Agitation or restlessness", Reason.END_OF_LIFE_SYMPTOMS.value),
    PlainAnswer("Not eating or drinking", Reason.NOT_EATING_DRINKING.value),
    PlainAnswer("A fall", Reason.FALL_NO_INJURY.value),
    PlainAnswer("Something else", Reason.OTHER.value),
)

ELSE_QUESTION = "If you could not reach us, what would you do?"
ELSE_ANSWERS: tuple[PlainAnswer, ...] = (
    PlainAnswer("Call 999", HomeIntent.AMBULANCE_999.value),
    PlainAnswer("Go to A&E", HomeIntent.ED_SELF_PRESENT.value),
    PlainAnswer("Call the GP or 111", HomeIntent.OOH_GP.value),
    PlainAnswer("Call the district nurse", HomeIntent.DISTRICT_NURSE.value),
    PlainAnswer("Wait and see", HomeIntent.WAIT_AND_SEE.value),
)

SKIPPED_REASON = Reason.UNKNOWN
SKIPPED_INTENT = HomeIntent.UNKNOWN
