"""A call's outcome, recorded in one unit of work: the one writer of the outcome.

Both ways a nurse finishes a call come here: the websocket's ``call/close`` and the HTTP
wrap-up (``wrapup.py``, which first refuses a record with a required field missing). In
one transaction it moves the call from wrap-up to closed (with its coded columns), writes
the outcome row, the escalations not already on the call (the hub records a specialist
joining itself: a code is recorded once, whichever way the call was closed), the 72-hour
follow-up task, discards the wrap-up draft, and audits the close. Only after the commit is
the call announced.

To add to what a close records: a field on :class:`OutcomeRecord` (and where it is built,
:meth:`OutcomeRecord.of_close` and ``wrapup.py``), its write in :meth:`OutcomeService._write`;
work that must happen in the same transaction for every close (a per-site monthly
aggregate, say) is an :data:`OnClose` step given to the service in ``hub/services.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.avoided.claims import claimed, facts_of
from hub.calls import states
from hub.calls.announce import Announcer
from hub.calls.participants import actor
from hub.clock import Clock, as_utc
from hub.errors import Forbidden, InvalidState
from hub.palliative.outcome import check_gold_line_close
from hub.prison.rules import check_call_close
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.outcomes import DraftRepo, FollowUpRepo, OutcomeRepo
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, FollowUpTask, Outcome
from hub.storage.tables import Escalation as EscalationRow
from schemas.codes import CallState, Disposition, Escalation, NurseCounterfactual
from schemas.palliative import GoldLineOutcome
from schemas.wire import AdviceEvent, CallClose, CallSnapshot

from .advice import AdviceService, advice_text
from .disposition import check_clinical

FOLLOW_UP_AFTER = timedelta(hours=72)


@dataclass(frozen=True)
class OutcomeRecord:
    """What the nurse recorded at the end of a call (complete: every required field)."""

    disposition: Disposition
    nurse_counterfactual: NurseCounterfactual
    clinical_note: str
    escalations: Sequence[Escalation] = field(default_factory=tuple)
    follow_up_needed: bool | None = None  # None: yes when the call claims an avoided measure
    escort_needed: bool | None = None  # a prison's calls only (hub/prison/rules.py)
    gold_line_outcome: GoldLineOutcome | None = None  # Gold Line calls only (palliative/outcome.py)
    advice_to_home: str = ""  # for the home, shown on its tablet (advice.py); may be empty

    @classmethod
    def of_close(cls, cmd: CallClose) -> OutcomeRecord:
        return cls(
            disposition=cmd.disposition,
            nurse_counterfactual=cmd.nurse_counterfactual,
            clinical_note=cmd.clinical_note,
            escalations=tuple(cmd.escalations),
            follow_up_needed=cmd.follow_up_needed,
            escort_needed=cmd.escort_needed,
            gold_line_outcome=cmd.gold_line_outcome,
            advice_to_home=cmd.advice_to_home,
        )


@dataclass(frozen=True)
class Closing:
    """A close in progress, inside its transaction: what every :data:`OnClose` step reads."""

    session: AsyncSession
    principal: Principal
    call: Call  # as it was before the close (still in wrap-up)
    record: OutcomeRecord
    at: datetime


OnClose = Callable[[Closing], Awaitable[None]]
"""A step run in the close's own transaction, after the outcome rows are written."""


class OutcomeService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        announce: Announcer,
        on_close: Sequence[OnClose] = (),
        *,
        advice: AdviceService | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.announce = announce
        self.on_close = list(on_close)
        self.advice = advice or AdviceService(db, clock)

    async def record(self, p: Principal, call_id: str, record: OutcomeRecord) -> CallSnapshot:
        """Close the call with its outcome; acknowledged (returned) only after the commit."""
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("Only the nurse who took the call can close it")
            check_clinical(record.disposition)
            check_call_close(call.channel, record.escort_needed)
            check_gold_line_close(call.channel, record.gold_line_outcome, record.disposition)
            closing = Closing(s, p, call, record, self.clock.now())
            await self._write(closing)
            for step in self.on_close:
                await step(closing)
        snapshot = await self.announce.call_changed(call_id)
        if advice_text(record.advice_to_home) is not None:
            given = await self.advice.of_call(SYSTEM, call_id)
            if given is not None:  # to the home, which may be on its "call ended" screen
                await self.announce.advice(call_id, AdviceEvent(advice=given))
        return snapshot

    async def _write(self, c: Closing) -> None:
        s, p, call, record, now = c.session, c.principal, c.call, c.record, c.at
        disposition, counterfactual = record.disposition.value, record.nurse_counterfactual.value
        calls, outcomes = CallRepo(s, self.clock), OutcomeRepo(s, self.clock)
        claims = claimed(
            facts_of(call, disposition=disposition, nurse_counterfactual=counterfactual)
        )
        follow_up = record.follow_up_needed
        if follow_up is None:
            follow_up = bool(claims)
        moved = await calls.move(
            call_id=call.id,
            sources=states.sources_for(CallState.CLOSED),
            target=CallState.CLOSED,
            actor=actor(p),
            closed_at=now,
            disposition=disposition,
            nurse_counterfactual=counterfactual,
            escort_needed=record.escort_needed,
            gold_line_outcome=(
                None if record.gold_line_outcome is None else record.gold_line_outcome.value
            ),
        )
        if moved is None:
            raise InvalidState(
                "End the call before recording its outcome"
                if call.state != CallState.CLOSED
                else "This call is closed"
            )
        await outcomes.add(
            Outcome(
                call_id=call.id,
                disposition=disposition,
                nurse_counterfactual=counterfactual,
                clinical_note=record.clinical_note,
                advice_to_home=advice_text(record.advice_to_home),
                follow_up_needed=follow_up,
                recorded_by=p.scope.user_id or 0,
                recorded_at=now,
            )
        )
        recorded = {e.code for e in await outcomes.escalations(p.scope, call_id=call.id)}
        for code in dict.fromkeys(record.escalations):
            if code.value not in recorded:
                await outcomes.add_escalation(
                    EscalationRow(
                        call_id=call.id, code=code.value, at=now, recorded_by=p.scope.user_id
                    )
                )
        if follow_up:
            # The follow-up asks about the 72 hours after the call ended (when the nurse
            # ended it; a call closed without an end is taken to end now).
            ended = as_utc(call.ended_at) if call.ended_at is not None else now
            await FollowUpRepo(s, self.clock).add(
                FollowUpTask(call_id=call.id, due_at=ended + FOLLOW_UP_AFTER)
            )
        await DraftRepo(s, self.clock).discard(p.scope, call_id=call.id)
        await AuditRepo(s, self.clock).note(
            p.scope,
            "call_close",
            target_type="call",
            target_id=call.id,
            detail={"disposition": disposition},
        )
        if advice_text(record.advice_to_home) is not None:  # sent to the home: ids only
            await AuditRepo(s, self.clock).note(
                p.scope,
                "advice_sent",
                target_type="call",
                target_id=call.id,
                person_id=call.person_id,
            )
