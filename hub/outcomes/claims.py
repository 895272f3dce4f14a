"""Which avoided measures a call claims, in words. Pure: wraps ``hub.reports.avoided``."""

from __future__ import annotations

from hub.reports.avoided import CallFacts, Measure, Verdict, assess
from schemas.codes import Disposition, FollowUpAnswer, HomeIntent, NurseCounterfactual


def facts(
    home_intent: str,
    nurse_counterfactual: str | None,
    disposition: str | None,
    ed_within_72h: str = "unknown",
    admitted_within_72h: str = "unknown",
) -> CallFacts:
    return CallFacts(
        home_intent=HomeIntent(home_intent),
        nurse_counterfactual=NurseCounterfactual(nurse_counterfactual)
        if nurse_counterfactual
        else None,
        disposition=Disposition(disposition) if disposition else None,
        ed_within_72h=FollowUpAnswer(ed_within_72h),
        admitted_within_72h=FollowUpAnswer(admitted_within_72h),
    )


def claimed(call: CallFacts) -> list[Measure]:
    return [m for m, verdict in assess(call).items() if verdict is not None]


def claimed_labels(call: CallFacts) -> list[str]:
    return [m.label for m in claimed(call)]


def verdicts(call: CallFacts) -> list[tuple[Measure, Verdict]]:
    return [(m, v) for m, v in assess(call).items() if v is not None]
