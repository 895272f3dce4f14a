"""Turning a stored call into the snapshot the wire carries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clinical.news2 import format_news2, score_news2
from hub.clinical.sbard import build_sbard
from hub.clock import Clock
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.tables import Call, CallParticipant
from schemas.codes import CallerRelationship, CallState, Channel, HomeIntent, Reason, SoftSign
from schemas.observations import Observations
from schemas.wire import CallSnapshot, News2Summary, Participant


async def snapshot_of(
    s: AsyncSession,
    clock: Clock,
    call: Call,
    *,
    position: int | None = None,
    participants: Sequence[CallParticipant] | None = None,
) -> CallSnapshot:
    """``participants``: the call's participants who have not left, in order, if the
    caller has just read them (they are read here otherwise)."""
    site, person, nurse, device = await CallRepo(s, clock).context_and_device(call=call)
    relationship = (
        CallerRelationship(device.relationship) if device and device.relationship else None
    )
    if participants is None:
        participants = await ParticipantRepo(s, clock).of_call(call_id=call.id)
    observations = Observations.model_validate(call.observations) if call.observations else None
    news2 = score_news2(observations) if observations else None
    soft_signs = [SoftSign(x) for x in call.soft_signs or []]
    reason = Reason(call.reason)
    secondary = Reason(call.secondary_reason) if call.secondary_reason else None
    person_name = f"{person.given_name} {person.family_name}" if person else None
    background = None
    if person is not None:
        parts = [
            f"Conditions: {person.key_conditions}" if person.key_conditions else None,
            f"Allergies: {person.allergies}" if person.allergies else None,
        ]
        background = "; ".join(p for p in parts if p) or None
    sbard = build_sbard(
        resident_name=person_name,
        site_name=site.name,
        reason=reason,
        secondary_reason=secondary,
        concern=call.concern or "",
        soft_signs=soft_signs,
        observations=observations,
        news2=news2,
        background=background,
        home_intent_label=HomeIntent(call.home_intent).label,
        caller_label=relationship.label if relationship else None,
    )
    return CallSnapshot(
        id=call.id,
        state=CallState(call.state),
        site_id=call.site_id,
        site_name=site.name,
        site_kind=site.kind,
        person_id=call.person_id,
        person_name=person_name,
        caller_relationship=relationship,
        channel=Channel(call.channel),
        reason=reason,
        secondary_reason=secondary,
        home_intent=HomeIntent(call.home_intent),
        prison_intent=call.prison_intent,
        accompanied_by=call.accompanied_by or [],
        concern=call.concern,
        soft_signs=soft_signs,
        observations=observations,
        news2=None
        if news2 is None
        else News2Summary(
            total=news2.total,
            band=news2.band.value,
            complete=news2.complete,
            text=format_news2(news2),
        ),
        sbard=sbard.as_text(),
        priority=call.priority,
        started_at=call.started_at,
        answered_at=call.answered_at,
        nurse_id=call.nurse_id,
        nurse_name=nurse.display_name if nurse else None,
        offered_to=call.offered_to,
        participants=[
            Participant(
                key=p.key,
                name=p.name,
                role=p.role,
                connected=p.joined_at is not None and p.disconnected_at is None,
            )
            for p in participants
        ],
        queue_position=position,
    )
