"""The claim rules: the avoided-activity rules of ``shared/domain/CALL-CODES.md``, applied
to one call's outcome. They sit next to the outcome they judge: the wrap-up shows what a
call claims, the outcome defaults its follow-up from them, the record lists their verdicts
and the reports add them up (``hub.reports.summary``), never restating them.

For each call that is closed with a clinical disposition (not ``not_recorded``, nor the
retired ``call_failed_technical``):

- avoided ambulance call-out: claimed when home_intent = ambulance_999 and disposition
  != ambulance_999 (so an ed_self_present or direct_admission disposition still claims it);
  confirmed when ed_within_72h = no;
- avoided A&E attendance: claimed when home_intent in {ambulance_999, ed_self_present} and
  disposition not in H; confirmed when ed_within_72h = no;
- avoided emergency admission: claimed when nurse_counterfactual = admission and
  disposition not in H; confirmed when admitted_within_72h = no;
- avoided GP contact: claimed when home_intent in {gp_urgent, ooh_gp} and disposition =
  managed_in_place; there is no confirmation step.

A claim whose follow-up is ``unknown`` is *unverified*, never confirmed; a claim whose
follow-up is ``yes`` is *refuted* (still counted as claimed). Pure: no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from schemas.codes import (
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    LabelledEnum,
    NurseCounterfactual,
)


class Measure(LabelledEnum):
    """An activity the hub may have avoided; one row of the avoided-activity table."""

    AMBULANCE = "ambulance", "Avoided ambulance call-out"
    ED_ATTENDANCE = "ed_attendance", "Avoided A&E attendance"
    ADMISSION = "admission", "Avoided emergency admission"
    GP_CONTACT = "gp_contact", "Avoided GP contact"


class Verdict(LabelledEnum):
    """What the rules say about one claimed measure on one call.

    Every verdict means *claimed*; a measure that is not claimed has no verdict (``None``).
    """

    CONFIRMED = "confirmed", "Claimed, confirmed at 72 hours"
    UNVERIFIED = "unverified", "Claimed, follow-up not yet known"
    REFUTED = "refuted", "Claimed, but the activity happened within 72 hours"
    CLAIMED_ONLY = "claimed_only", "Claimed (no confirmation step)"


@dataclass(frozen=True, slots=True)
class CallFacts:
    """The facts of one call that the avoided-activity rules read."""

    home_intent: HomeIntent
    nurse_counterfactual: NurseCounterfactual | None
    disposition: Disposition | None  # None: the call is not yet closed
    ed_within_72h: FollowUpAnswer = FollowUpAnswer.UNKNOWN
    admitted_within_72h: FollowUpAnswer = FollowUpAnswer.UNKNOWN


@functools.lru_cache(maxsize=4096)
def facts(
    home_intent: str,
    nurse_counterfactual: str | None,
    disposition: str | None,
    ed_within_72h: str = FollowUpAnswer.UNKNOWN.value,
    admitted_within_72h: str = FollowUpAnswer.UNKNOWN.value,
) -> CallFacts:
    """The one way to build a call's facts: from the codes stored on it (cached: there are
    few combinations, and a month's report reads thousands of calls)."""
    return CallFacts(
        home_intent=HomeIntent(home_intent),
        nurse_counterfactual=(
            NurseCounterfactual(nurse_counterfactual) if nurse_counterfactual else None
        ),
        disposition=Disposition(disposition) if disposition else None,
        ed_within_72h=FollowUpAnswer(ed_within_72h),
        admitted_within_72h=FollowUpAnswer(admitted_within_72h),
    )


class CodedCall(Protocol):
    """A call as stored: the codes the rules read (``hub.storage.tables.Call`` is one)."""

    @property
    def home_intent(self) -> str: ...
    @property
    def nurse_counterfactual(self) -> str | None: ...
    @property
    def disposition(self) -> str | None: ...
    @property
    def ed_within_72h(self) -> str: ...
    @property
    def admitted_within_72h(self) -> str: ...


_UNSET: Any = object()


def facts_of(
    call: CodedCall,
    *,
    disposition: str | None = _UNSET,
    nurse_counterfactual: str | None = _UNSET,
) -> CallFacts:
    """A stored call's facts; ``disposition`` and ``nurse_counterfactual``, when given,
    stand in for the call's own (what a wrap-up or a close is about to record)."""
    return facts(
        call.home_intent,
        call.nurse_counterfactual if nurse_counterfactual is _UNSET else nurse_counterfactual,
        call.disposition if disposition is _UNSET else disposition,
        call.ed_within_72h,
        call.admitted_within_72h,
    )


_HOME_INTENT_ED = frozenset({HomeIntent.AMBULANCE_999, HomeIntent.ED_SELF_PRESENT})
_HOME_INTENT_GP = frozenset({HomeIntent.GP_URGENT, HomeIntent.OOH_GP})


def _claimed(call: CallFacts, disposition: Disposition, measure: Measure) -> bool:
    match measure:
        case Measure.AMBULANCE:
            return (
                call.home_intent is HomeIntent.AMBULANCE_999
                and disposition is not Disposition.AMBULANCE_999
            )
        case Measure.ED_ATTENDANCE:
            return call.home_intent in _HOME_INTENT_ED and not disposition.is_hospital
        case Measure.ADMISSION:
            return (
                call.nurse_counterfactual is NurseCounterfactual.ADMISSION
                and not disposition.is_hospital
            )
        case Measure.GP_CONTACT:
            return (
                call.home_intent in _HOME_INTENT_GP and disposition is Disposition.MANAGED_IN_PLACE
            )
    raise AssertionError(f"unhandled measure {measure!r}")  # pragma: no cover


def follow_up(call: CallFacts, measure: Measure) -> FollowUpAnswer | None:
    """The 72-hour follow-up answer that confirms ``measure``; None if it has no confirmation."""
    match measure:
        case Measure.AMBULANCE | Measure.ED_ATTENDANCE:
            return call.ed_within_72h
        case Measure.ADMISSION:
            return call.admitted_within_72h
        case Measure.GP_CONTACT:
            return None
    raise AssertionError(f"unhandled measure {measure!r}")  # pragma: no cover


_VERDICT_BY_ANSWER: dict[FollowUpAnswer | None, Verdict] = {
    FollowUpAnswer.NO: Verdict.CONFIRMED,
    FollowUpAnswer.UNKNOWN: Verdict.UNVERIFIED,
    FollowUpAnswer.YES: Verdict.REFUTED,
    None: Verdict.CLAIMED_ONLY,
}


def assess(call: CallFacts) -> dict[Measure, Verdict | None]:
    """The verdict on every measure for one call; None where the measure is not claimed.

    Calls not yet closed and calls with no clinical disposition claim nothing.
    """
    disposition = call.disposition
    if disposition is None or not disposition.is_clinical:
        return dict.fromkeys(Measure)
    return {
        measure: _VERDICT_BY_ANSWER[follow_up(call, measure)]
        if _claimed(call, disposition, measure)
        else None
        for measure in Measure
    }


def claimed(call: CallFacts) -> list[Measure]:
    return [m for m, verdict in assess(call).items() if verdict is not None]


def claimed_labels(call: CallFacts) -> list[str]:
    return [m.label for m in claimed(call)]


def verdicts(call: CallFacts) -> list[tuple[Measure, Verdict]]:
    return [(m, v) for m, v in assess(call).items() if v is not None]


@dataclass(frozen=True, slots=True)
class AvoidedCounts:
    """Counts for one measure. ``claimed`` includes the confirmed, unverified and refuted.

    For GP contact (no confirmation step) only ``claimed`` ever grows.
    """

    claimed: int = 0
    confirmed: int = 0
    unverified: int = 0
    refuted: int = 0

    def add(self, verdict: Verdict | None) -> AvoidedCounts:
        """These counts with one more call's verdict added."""
        if verdict is None:
            return self
        return replace(
            self,
            claimed=self.claimed + 1,
            confirmed=self.confirmed + int(verdict is Verdict.CONFIRMED),
            unverified=self.unverified + int(verdict is Verdict.UNVERIFIED),
            refuted=self.refuted + int(verdict is Verdict.REFUTED),
        )


def tally(calls: Iterable[CallFacts]) -> dict[Measure, AvoidedCounts]:
    """Counts per measure over ``calls``; every measure is present, zero if never claimed."""
    counts = dict.fromkeys(Measure, AvoidedCounts())
    for call in calls:
        for measure, verdict in assess(call).items():
            counts[measure] = counts[measure].add(verdict)
    return counts
