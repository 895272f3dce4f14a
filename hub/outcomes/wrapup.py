"""The nurse's wrap-up: a draft saved as she types (committed before it is acknowledged, so it
survives a crashed browser or a closed tab), then the record, refused while a required field
is missing and named when it is."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.avoided.claims import claimed_labels, facts_of
from hub.calls import states
from hub.clock import Clock
from hub.errors import Conflict, Forbidden, InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.outcomes import DraftRepo, OutcomeRepo
from hub.storage.tables import Call, WrapUpDraft
from schemas.codes import CallState, Escalation
from schemas.outcomes import (
    REQUIRED_WRAP_UP,
    WrapUpAnswers,
    WrapUpDraftPublic,
    WrapUpDraftSave,
)
from schemas.wire import CallSnapshot

from .disposition import check_clinical
from .draft_answers import restored
from .outcome import OutcomeRecord, OutcomeService

DRAFTABLE = states.LIVE | {CallState.WRAP_UP}
"""A nurse may start her notes during the call; the record closes only after it ends."""


def missing(answers: WrapUpAnswers) -> list[str]:
    """The required fields not yet given, in the form's order."""
    given = {
        "disposition": answers.disposition is not None,
        "nurse_counterfactual": answers.nurse_counterfactual is not None,
        "clinical_note": bool(answers.clinical_note.strip()),
    }
    return [name for name in REQUIRED_WRAP_UP if not given[name]]


def public_of(
    call: Call,
    answers: WrapUpAnswers,
    draft: WrapUpDraft | None,
    recorded: list[Escalation],
    notes: list[str] | None = None,
) -> WrapUpDraftPublic:
    claims = claimed_labels(
        facts_of(
            call,
            nurse_counterfactual=(
                answers.nurse_counterfactual.value if answers.nurse_counterfactual else None
            ),
            disposition=answers.disposition.value if answers.disposition else None,
        )
    )
    return WrapUpDraftPublic(
        call_id=call.id,
        answers=answers,
        revision=draft.revision if draft else 0,
        saved_at=draft.updated_at if draft else None,
        claims=claims,
        follow_up_default=bool(claims),
        missing=missing(answers),
        recorded_escalations=recorded,
        notes=notes or [],
    )


class WrapUpService:
    def __init__(self, db: Database, clock: Clock, outcomes: OutcomeService) -> None:
        self.db = db
        self.clock = clock
        self.outcomes = outcomes

    async def _own_call(self, p: Principal, repo: CallRepo, call_id: str) -> Call:
        call = await repo.get(p.scope, call_id=call_id)
        if call.nurse_id != p.scope.user_id:
            raise Forbidden("Only the nurse who took the call can wrap it up")
        return call

    async def draft(self, p: Principal, call_id: str) -> WrapUpDraftPublic:
        """The nurse's draft; a fresh one (with escalations already recorded) if none."""
        async with self.db.session() as s:
            call = await self._own_call(p, CallRepo(s, self.clock), call_id)
            draft = await DraftRepo(s, self.clock).get(p.scope, call_id=call_id)
            recorded = await self._recorded(s, p, call_id)
            await AuditRepo(s, self.clock).note(
                p.scope, "read", target_type="wrap_up", target_id=call_id, person_id=call.person_id
            )
            if draft is None:
                return public_of(call, WrapUpAnswers(escalations=recorded), None, recorded)
            saved = restored(draft.answers)  # without a retired code, and saying so
            return public_of(call, saved.answers, draft, recorded, saved.notes)

    async def _recorded(self, s: AsyncSession, p: Principal, call_id: str) -> list[Escalation]:
        """Escalations already on the call (the hub records a specialist joining itself)."""
        found = await OutcomeRepo(s, self.clock).escalations(p.scope, call_id=call_id)
        return list(dict.fromkeys(Escalation(e.code) for e in found))

    async def save(self, p: Principal, call_id: str, body: WrapUpDraftSave) -> WrapUpDraftPublic:
        answers = WrapUpAnswers.model_validate(body.model_dump(exclude={"revision"}))
        if answers.disposition is not None:
            check_clinical(answers.disposition)  # never kept, to be refused at closing
        try:
            async with self.db.session() as s:
                call = await self._own_call(p, CallRepo(s, self.clock), call_id)
                if CallState(call.state) not in DRAFTABLE:
                    raise InvalidState(
                        "This call is closed: add an amendment to its record instead"
                        if call.state == CallState.CLOSED
                        else "There is nothing to wrap up on this call yet"
                    )
                draft = await DraftRepo(s, self.clock).save(
                    p.scope,
                    call_id=call_id,
                    answers=answers.model_dump(mode="json"),
                    base_revision=body.revision,
                )
                if draft is None:
                    raise Conflict(
                        "A newer draft of this wrap-up was saved (in another tab?): reload it"
                    )
                result = public_of(call, answers, draft, await self._recorded(s, p, call_id))
        except IntegrityError:
            raise Conflict(
                "A newer draft of this wrap-up was saved (in another tab?): reload it"
            ) from None
        return result  # returned only after the commit: an acknowledged draft is durable

    async def submit(self, p: Principal, call_id: str, answers: WrapUpAnswers) -> CallSnapshot:
        """Close the call with the nurse's record. Refused, naming the first missing field,
        until every required field is given; the draft is kept until the record is made."""
        gaps = missing(answers)
        if gaps:
            others = len(gaps) - 1
            more = f" (and {others} more required field{'s' if others > 1 else ''})"
            raise InvalidInput(REQUIRED_WRAP_UP[gaps[0]] + (more if others else ""), field=gaps[0])
        assert answers.disposition is not None and answers.nurse_counterfactual is not None
        async with self.db.session() as s:
            await self._own_call(p, CallRepo(s, self.clock), call_id)
        record = OutcomeRecord(
            disposition=answers.disposition,
            nurse_counterfactual=answers.nurse_counterfactual,
            clinical_note=answers.clinical_note,
            escalations=tuple(answers.escalations),
            follow_up_needed=answers.follow_up_needed,
            escort_needed=answers.escort_needed,
            gold_line_outcome=answers.gold_line_outcome,
            advice_to_home=answers.advice_to_home,
        )
        return await self.outcomes.record(p, call_id, record)  # the draft goes with it
