"""The record of a call, read-only: its outcome, escalations, participants, follow-up and the
timeline of every event; corrections appended as amendments, never edits. Also the call
history search and the resident summary the nurse sees beside the video. Every read of a
person or a call is scoped and written to the audit trail (ids only)."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.avoided.claims import facts_of, verdicts
from hub.clock import Clock, as_utc
from hub.errors import InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.advice import ADVICE_FIELD, AdviceRepo, AdviceRow
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.history import CallFilters, HistoryRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.outcomes import AmendmentRepo, FollowUpRepo, OutcomeRepo
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
    MeasureVerdict,
    OutcomePublic,
    ParticipantRecord,
    RecentCall,
    ResidentSummary,
    TimelineEntry,
)
from schemas.palliative import GoldLineOutcome

from .advice import advice_text
from .amenders import may_amend, require_amender
from .disposition import check_clinical
from .followups import public_tasks
from .timeline import FIELD_LABELS, timeline_text

CODED_FIELDS: dict[str, type[Disposition] | type[NurseCounterfactual]] = {
    "disposition": Disposition,
    "nurse_counterfactual": NurseCounterfactual,
}


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
            given = await AdviceRepo(s, self.clock).given(scope, call_id=call_id)
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

        call_facts = facts_of(call)
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
                advice_to_home=outcome.advice_to_home,
                follow_up_needed=outcome.follow_up_needed,
                recorded_by_name=names.get(outcome.recorded_by, "?"),
                recorded_at=as_utc(outcome.recorded_at),
            ),
            disposition=Disposition(call.disposition) if call.disposition else None,
            nurse_counterfactual=NurseCounterfactual(call.nurse_counterfactual)
            if call.nurse_counterfactual
            else None,
            advice_to_home=_advice_as_amended(given[0]) if given else None,
            gold_line_outcome=GoldLineOutcome(call.gold_line_outcome)
            if call.gold_line_outcome
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

    async def resident_summary(
        self, scope: Scope, person_id: int, *, exclude_call_id: str | None = None
    ) -> ResidentSummary:
        async with self.db.session() as s:
            person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)
            rows = await HistoryRepo(s, self.clock).search(
                scope, CallFilters(person_id=person_id, exclude_call_id=exclude_call_id), limit=5
            )
            call_ids = [r.call.id for r in rows]
            notes = await OutcomeRepo(s, self.clock).notes(scope, call_ids=call_ids)
            site_name = rows[0].site.name if rows else None
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
                detail=found("call_ids", call_ids),
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
                for c in (r.call for r in rows)
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
            if enum is Disposition:
                check_clinical(new_value)
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(scope, call_id=call_id)
            require_amender(scope, await self._closed_by(s, scope, call_id, call.nurse_id))
            if call.state != CallState.CLOSED:
                raise InvalidState("Only a closed call's record can be amended")
            old = getattr(call, body.field) if enum is not None else None
            if body.field == ADVICE_FIELD:  # replaced, not appended: the home sees the latest
                given = await AdviceRepo(s, self.clock).given(scope, call_id=call_id)
                old = _advice_as_amended(given[0]) if given else None
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


def _advice_as_amended(row: AdviceRow) -> str | None:
    return advice_text(row.latest.new_value if row.latest else row.outcome.advice_to_home)


def _excerpt(note: str | None, length: int = 140) -> str | None:
    if not note:
        return None
    return note if len(note) <= length else note[: length - 1].rstrip() + "…"
