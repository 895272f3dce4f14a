"""The nurse's advice to the home (what to do, warning signs, when to call back): recorded
with the outcome (``outcome.py``), replaced only by an amendment (``record.py``), sent to the
call's caller when it is recorded and kept on the resident's page on the tablet.

Every read is scoped to the caller and audited (ids only: the advice is clinical free text
and is never logged)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, as_utc
from hub.prison.rules import PRISON_CHANNELS
from hub.prison.tablet import label_of
from hub.storage.engine import Database
from hub.storage.repos.advice import AdviceRepo, AdviceRow
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Person
from schemas.codes import Reason
from schemas.outcomes import AdvicePublic


def advice_text(text: str | None) -> str | None:
    """Advice as stored: None when the nurse gave none."""
    text = (text or "").strip()
    return text or None


def _name(person: Person | None, channel: str) -> str | None:
    """As the site's tablet shows people: a prison's patients by initials and number."""
    if person is None:
        return None
    if channel in PRISON_CHANNELS:
        return label_of(person)
    return f"{person.given_name} {person.family_name}"


async def public_of(
    s: AsyncSession, clock: Clock, row: AdviceRow, person: Person | None
) -> AdvicePublic | None:
    call, outcome, latest = row.call, row.outcome, row.latest
    text = advice_text(latest.new_value if latest else outcome.advice_to_home)
    if text is None:
        return None
    by = latest.recorded_by if latest else outcome.recorded_by
    nurse = await UserRepo(s, clock).by_id(user_id=by)
    return AdvicePublic(
        call_id=call.id,
        person_id=call.person_id,
        person_name=_name(person, call.channel),
        call_started_at=as_utc(call.started_at),
        reason=Reason(call.reason).label,
        advice=text,
        nurse_name=nurse.display_name if nurse else None,
        recorded_at=as_utc(latest.recorded_at if latest else outcome.recorded_at),
        amended=latest is not None,
    )


class AdviceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def of_call(self, scope: Scope, call_id: str) -> AdvicePublic | None:
        """One call's advice, as amended (for its delivery to the caller: not a read)."""
        async with self.db.session() as s:
            rows = await AdviceRepo(s, self.clock).given(scope, call_id=call_id)
            if not rows:
                return None
            person_id = rows[0].call.person_id
            person = (
                await PersonRepo(s, self.clock).get(scope, person_id=person_id)
                if person_id is not None
                else None
            )
            return await public_of(s, self.clock, rows[0], person)

    async def for_person(self, scope: Scope, person_id: int) -> tuple[Person, list[AdvicePublic]]:
        """The person and the advice the hub gave about them, newest first: the resident's
        page on the tablet."""
        async with self.db.session() as s:
            person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)  # or 404
            rows = await AdviceRepo(s, self.clock).given(scope, person_id=person_id)
            given = [a for a in [await public_of(s, self.clock, r, person) for r in rows] if a]
            await AuditRepo(s, self.clock).note(
                scope,
                "read",
                target_type="person_advice",
                target_id=person_id,
                person_id=person_id,
                detail=found("call_ids", [a.call_id for a in given]),
            )
        return person, given
