"""A call's timeline in words: each call event as the call record shows it."""

from __future__ import annotations

from hub.storage.tables import CallEvent
from schemas.codes import CallState, FollowUpAnswer

FIELD_LABELS = {
    "disposition": "disposition",
    "nurse_counterfactual": "nurse counterfactual",
    "clinical_note": "clinical note (addendum)",
    "advice_to_home": "advice to the home (replaced)",
}


PRIORITY_WORDS = {1: "low", 2: "medium", 3: "high"}


def _state_text(event: CallEvent, names: dict[int, str]) -> str:
    to, source = event.to_state, event.from_state
    detail = event.detail or {}
    if to == CallState.REQUESTED:
        return "Call requested"
    if to == CallState.QUEUED:
        if "ring_unanswered" in detail:
            return "Transfer not answered: back in the queue"
        return "Waiting in the queue"
    if to == CallState.RINGING:
        return f"Offered to {names.get(detail.get('transfer_to', 0), 'another nurse')}"
    if to == CallState.CONNECTED:
        return "Taken off hold" if source == CallState.ON_HOLD else "Answered"
    if to == CallState.ON_HOLD:
        return "Put on hold"
    if to == CallState.WRAP_UP:
        return "Call ended: wrap-up"
    if to == CallState.CLOSED:
        return "Outcome recorded: call closed"
    if to == CallState.CANCELLED:
        return "Cancelled by the caller"
    if to == CallState.ABANDONED:
        return "Abandoned: the caller's connection was lost"
    return f"{source or '–'} → {to}"


def timeline_text(event: CallEvent, names: dict[int, str]) -> str:
    """One call event, in words."""
    detail = event.detail or {}
    match event.kind:
        case "state":
            return _state_text(event, names)
        case "specialist_invited":
            who = names.get(detail.get("user_id", 0), "a specialist")
            specialty = f" ({detail['specialty']})" if detail.get("specialty") else ""
            return f"Invited {who}{specialty}"
        case "specialist_joined":
            return f"Specialist joined after {detail.get('seconds_to_join', '?')} s"
        case "transferred":
            return (
                f"Transferred from {names.get(detail.get('from', 0), 'a nurse')} "
                f"to {names.get(detail.get('to', 0), 'another nurse')}"
            )
        case "answer_target_missed":
            waited = int(detail.get("waited_seconds", 0))
            return f"Answer target missed (waited {waited // 60} min {waited % 60} s)"
        case "participant_dropped":
            return f"Connection lost ({detail.get('role', 'participant')}) and not resumed"
        case "follow_up_recorded":
            ed = FollowUpAnswer(detail.get("ed_within_72h", "unknown")).label.lower()
            adm = FollowUpAnswer(detail.get("admitted_within_72h", "unknown")).label.lower()
            how = "linked data" if detail.get("method") == "data_linkage" else "call back"
            return f"72-hour follow-up ({how}): A&E within 72 h {ed}; admitted {adm}"
        case "retriaged":
            before, after = detail.get("priority_before", 0), detail.get("priority_after", 0)
            return (
                f"Re-triaged by the nurse: {PRIORITY_WORDS.get(before, before)} to "
                f"{PRIORITY_WORDS.get(after, after)} priority"
            )
        case "amended":
            return f"Record amended: {FIELD_LABELS.get(detail.get('field', ''), 'a field')}"
    if event.kind.endswith("_left"):
        return f"{event.kind.removesuffix('_left').capitalize()} left the call"
    return event.kind.replace("_", " ").capitalize()
