"""The record of a call, read-only: its outcome, escalations, participants, follow-up and the
timeline of every event; corrections appended as amendments, never edits. Also the call
history search and the resident summary the nurse sees beside the video. Every read of a
person or a call is scoped and written to the audit trail (ids only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.clock import Clock, as_utc
from hub.errors import InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.outcomes import AmendmentRepo, FollowUpRepo, HistoryRepo, OutcomeRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Amendment, CallEvent, Device
from schemas.codes import (
    CallState,
    Channel,
    Disposition,
    Escalation,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    Reason,
    ResuscitationStatus,
)
from schemas.outcomes import (
    AmendmentCreate,
    AmendmentPublic,
    CallRecord,
    EscalationPublic,
    HistoryRow,
    MeasureVerdict,
    OutcomePublic,
    ParticipantRecord,
    RecentCall,
    ResidentSummary,
    TimelineEntry,
)

from .amenders import may_amend, require_amender
from .claims import facts, verdicts
from .followups import public_tasks

CODED_FIELDS: dict[str, type[Disposition] | type[NurseCounterfactual]] = {
    "disposition": Disposition,
    "nurse_counterfactual": NurseCounterfactual,
}
FIELD_LABELS = {
    "disposition": "disposition",
    "nurse_counterfactual": "nurse counterfactual",
    "clinical_note": "clinical note (addendum)",
}


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
        case "amended":
            return f"Record amended: {FIELD_LABELS.get(detail.get('field', ''), 'a field')}"
    if event.kind.endswith("_left"):
        return f"{event.kind.removesuffix('_left').capitalize()} left the call"
    return event.kind.replace("_", " ").capitalize()


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class CallRecordService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _names(self, s: AsyncSession, user_ids: set[int]) -> dict[int, str]:
        users = UserRepo(s, self.clock)
        found = {}
        for user_id in user_ids:
            user = await users.by_id(user_id=user_id)
            if user is not None:
                found[user_id] = user.display_name
        return found

    async def record(self, scope: Scope, call_id: str) -> CallRecord:
        async with self.db.session() as s:
            calls = CallRepo(s, self.clock)
            outcomes = OutcomeRepo(s, self.clock)
            call = await calls.get(scope, call_id=call_id)
            site, person, nurse = await calls.context(call=call)
            events = await calls.events(scope, call_id=call_id)
            outcome = await outcomes.of_call(scope, call_id=call_id)
            escalations = await outcomes.escalations(scope, call_id=call_id)
            participants = await outcomes.participants(scope, call_id=call_id)
            amendments = await AmendmentRepo(s, self.clock).of_call(scope, call_id=call_id)
            task = await FollowUpRepo(s, self.clock).of_call(scope, call_id=call_id)
            ids: set[int] = {e.actor_user_id for e in events if e.actor_user_id}
            for e in events:
                for key in ("transfer_to", "from", "to", "user_id"):
                    value = (e.detail or {}).get(key)
                    if isinstance(value, int):
                        ids.add(value)
            ids |= {a.recorded_by for a in amendments}
            if outcome is not None:
                ids.add(outcome.recorded_by)
            names = await self._names(s, ids)
            devices: dict[int, str] = {}
            for device_id in {e.actor_device_id for e in events if e.actor_device_id}:
                device = await s.get(Device, device_id)
                devices[device_id] = f"{device.label}, {site.name}" if device else "A tablet"
            follow_up = None
            if task is not None:
                follow_up = (await public_tasks(s, self.clock, [(task, call)]))[0]
            await AuditRepo(s, self.clock).note(
                scope,
                "read",
                target_type="call_record",
                target_id=call_id,
                person_id=call.person_id,
            )

        def actor(e: CallEvent) -> str | None:
            if e.actor_user_id and e.actor_device_id:  # care-home staff who gave their PIN
                return f"{names.get(e.actor_user_id)} (PIN checked), {devices[e.actor_device_id]}"
            if e.actor_user_id:
                return names.get(e.actor_user_id)
            if e.actor_device_id:
                return call.caller_name or devices.get(e.actor_device_id)
            return "Hub" if e.kind != "state" or e.to_state != CallState.REQUESTED else None

        call_facts = facts(
            call.home_intent,
            call.nurse_counterfactual,
            call.disposition,
            call.ed_within_72h,
            call.admitted_within_72h,
        )
        return CallRecord(
            id=call.id,
            state=CallState(call.state),
            site_id=call.site_id,
            site_name=site.name,
            person_id=call.person_id,
            person_name=f"{person.given_name} {person.family_name}" if person else None,
            caller_name=call.caller_name,
            channel=Channel(call.channel).label,
            reason=Reason(call.reason).label,
            home_intent=HomeIntent(call.home_intent).label,
            concern=call.concern,
            news2_total=call.news2_total,
            news2_band=call.news2_band,
            sbard=None,
            started_at=as_utc(call.started_at),
            answered_at=as_utc(call.answered_at) if call.answered_at else None,
            ended_at=as_utc(call.ended_at) if call.ended_at else None,
            closed_at=as_utc(call.closed_at) if call.closed_at else None,
            nurse_name=nurse.display_name if nurse else None,
            outcome=None
            if outcome is None
            else OutcomePublic(
                disposition=Disposition(outcome.disposition),
                nurse_counterfactual=NurseCounterfactual(outcome.nurse_counterfactual),
                clinical_note=outcome.clinical_note,
                follow_up_needed=outcome.follow_up_needed,
                recorded_by_name=names.get(outcome.recorded_by, "?"),
                recorded_at=as_utc(outcome.recorded_at),
            ),
            disposition=Disposition(call.disposition) if call.disposition else None,
            nurse_counterfactual=NurseCounterfactual(call.nurse_counterfactual)
            if call.nurse_counterfactual
            else None,
            escalations=[
                EscalationPublic(
                    code=Escalation(e.code),
                    label=Escalation(e.code).label,
                    specialty=e.specialty,
                    at=as_utc(e.at),
                )
                for e in escalations
            ],
            participants=[
                ParticipantRecord(
                    name=p.name,
                    role=p.role,
                    invited_at=as_utc(p.invited_at) if p.invited_at else None,
                    joined_at=as_utc(p.joined_at) if p.joined_at else None,
                    left_at=as_utc(p.left_at) if p.left_at else None,
                    seconds_to_join=round(
                        (as_utc(p.joined_at) - as_utc(p.invited_at)).total_seconds(), 1
                    )
                    if p.joined_at and p.invited_at
                    else None,
                )
                for p in participants
            ],
            follow_up=follow_up,
            ed_within_72h=FollowUpAnswer(call.ed_within_72h),
            admitted_within_72h=FollowUpAnswer(call.admitted_within_72h),
            measures=[
                MeasureVerdict(measure=m.label, verdict=v.label) for m, v in verdicts(call_facts)
            ],
            amendments=[_amendment(a, names) for a in amendments],
            timeline=[
                TimelineEntry(
                    at=as_utc(e.at), kind=e.kind, text=timeline_text(e, names), actor_name=actor(e)
                )
                for e in events
            ],
        )

    async def history(
        self,
        scope: Scope,
        *,
        site_id: int | None = None,
        resident: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        disposition: str | None = None,
    ) -> list[HistoryRow]:
        async with self.db.session() as s:
            rows = await HistoryRepo(s, self.clock).search(
                scope,
                site_id=site_id,
                resident=resident,
                since=since,
                until=until,
                disposition=disposition,
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "call_search",
                detail=found("call_ids", [c.id for c, *_ in rows]),
            )
        return [
            HistoryRow(
                id=c.id,
                started_at=as_utc(c.started_at),
                site_id=c.site_id,
                site_name=o.name,
                person_name=f"{p.given_name} {p.family_name}" if p else None,
                reason=Reason(c.reason).label,
                state=CallState(c.state),
                disposition=Disposition(c.disposition) if c.disposition else None,
                nurse_name=u.display_name if u else None,
            )
            for c, o, p, u in rows
        ]

    async def resident_summary(
        self, scope: Scope, person_id: int, *, exclude_call_id: str | None = None
    ) -> ResidentSummary:
        async with self.db.session() as s:
            person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)
            rows = await HistoryRepo(s, self.clock).search(
                scope, person_id=person_id, exclude_call_id=exclude_call_id, limit=5
            )
            notes = await OutcomeRepo(s, self.clock).notes(scope, call_ids=[c.id for c, *_ in rows])
            site_name = rows[0][1].name if rows else None
            if site_name is None:
                site_name = (
                    await OrganisationRepo(s, self.clock).get(scope, organisation_id=person.site_id)
                ).name
            await AuditRepo(s, self.clock).note(
                scope,
                "read",
                target_type="person_summary",
                target_id=person_id,
                person_id=person_id,
                detail=found("call_ids", [c.id for c, *_ in rows]),
            )
        status = ResuscitationStatus(person.resuscitation_status)
        return ResidentSummary(
            id=person.id or 0,
            name=f"{person.given_name} {person.family_name}",
            nhs_number=person.nhs_number,
            date_of_birth=person.date_of_birth.strftime("%-d %B %Y"),
            age=_age(person.date_of_birth, self.clock.now().date()),
            site_name=site_name,
            resuscitation_status=status,
            resuscitation_label=status.label,
            key_conditions=person.key_conditions,
            allergies=person.allergies,
            care_wishes=person.care_wishes,
            recent_calls=[
                RecentCall(
                    id=c.id,
                    started_at=as_utc(c.started_at),
                    reason=Reason(c.reason).label,
                    state=CallState(c.state),
                    disposition=Disposition(c.disposition).label if c.disposition else None,
                    note=_excerpt(notes.get(c.id)),
                )
                for c, *_ in rows
            ],
        )

    async def amend(self, p: Principal, call_id: str, body: AmendmentCreate) -> AmendmentPublic:
        """Append a correction to a closed call. The recorded outcome is never edited; the
        coded columns the reports read follow the latest amendment."""
        scope = p.scope
        enum = CODED_FIELDS.get(body.field)
        new_value = body.new_value
        if enum is not None:
            if new_value not in {m.value for m in enum}:
                raise InvalidInput(f"Choose a valid {FIELD_LABELS[body.field]}", field="new_value")
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(scope, call_id=call_id)
            require_amender(scope, await self._closed_by(s, scope, call_id, call.nurse_id))
            if call.state != CallState.CLOSED:
                raise InvalidState("Only a closed call's record can be amended")
            old = getattr(call, body.field) if enum is not None else None
            if enum is not None and old == new_value:
                raise InvalidInput(
                    f"The {FIELD_LABELS[body.field]} is already {enum(new_value).label}",
                    field="new_value",
                )
            amendment = await AmendmentRepo(s, self.clock).add(
                scope,
                Amendment(
                    call_id=call_id,
                    field=body.field,
                    old_value=old,
                    new_value=new_value,
                    reason=body.reason,
                    recorded_by=scope.user_id or 0,
                    recorded_at=self.clock.now(),
                ),
            )
            if enum is not None:
                await CallRepo(s, self.clock).set_codes(
                    scope, call_id=call_id, **{body.field: new_value}
                )
            await CallRepo(s, self.clock).note(
                call_id=call_id,
                kind="amended",
                actor=(scope.user_id, None),
                detail={"field": body.field, "amendment_id": amendment.id},
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "call_amend",
                target_type="call",
                target_id=call_id,
                person_id=call.person_id,
                detail={"field": body.field},
            )
            names = await self._names(s, {amendment.recorded_by})
        return _amendment(amendment, names)

    async def may_amend(self, scope: Scope, call_id: str) -> bool:
        """Whether ``scope`` may amend this call's record (see ``hub.outcomes.amenders``)."""
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(scope, call_id=call_id)
            return may_amend(scope, await self._closed_by(s, scope, call_id, call.nurse_id))

    async def _closed_by(
        self, s: AsyncSession, scope: Scope, call_id: str, nurse_id: int | None
    ) -> int | None:
        """The nurse who closed the call: who recorded its outcome (else the call's nurse)."""
        outcome = await OutcomeRepo(s, self.clock).of_call(scope, call_id=call_id)
        return outcome.recorded_by if outcome is not None else nurse_id


def _amendment(a: Amendment, names: dict[int, str]) -> AmendmentPublic:
    def label(value: str | None) -> str | None:
        enum = CODED_FIELDS.get(a.field)
        if value is None or enum is None:
            return value
        return enum(value).label

    return AmendmentPublic(
        id=a.id or 0,
        field=FIELD_LABELS.get(a.field, a.field),
        old_value=label(a.old_value),
        new_value=label(a.new_value),
        reason=a.reason,
        recorded_by_name=names.get(a.recorded_by, "?"),
        recorded_at=as_utc(a.recorded_at),
    )


def _excerpt(note: str | None, length: int = 140) -> str | None:
    if not note:
        return None
    return note if len(note) <= length else note[: length - 1].rstrip() + "…"
