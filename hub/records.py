"""Reading and adding clinical records (residents, calls, message threads), scoped and audited.

Every read of a person's record or a call is written to the audit trail with ids only.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.auth.throttle import Guard, Throttle, Throttled, hashed
from hub.clock import Clock, as_utc
from hub.errors import InvalidInput
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.history import CallFilters, HistoryHit, HistoryRepo
from hub.storage.repos.messages import MessageRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Call, CallEvent, Message, Organisation, Person
from schemas.api import PersonCreate
from schemas.codes import CallState, Disposition, Reason
from schemas.nhs import is_synthetic
from schemas.outcomes import HistoryRow
from schemas.palliative import GoldLineOutcome


class RecordsService:
    def __init__(
        self, db: Database, clock: Clock, settings: HubSettings, throttle: Throttle | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.throttle = throttle or Throttle(settings)

    async def sites(self, scope: Scope) -> Sequence[Organisation]:
        async with self.db.session() as s:
            return await OrganisationRepo(s, self.clock).sites(scope)

    async def organisation(self, scope: Scope, organisation_id: int) -> Organisation:
        async with self.db.session() as s:
            return await OrganisationRepo(s, self.clock).get(scope, organisation_id=organisation_id)

    async def find_people(
        self, scope: Scope, *, site_id: int | None = None, text: str | None = None
    ) -> Sequence[Person]:
        async with self.db.session() as s:
            people = await PersonRepo(s, self.clock).search(scope, site_id=site_id, text=text)
            await AuditRepo(s, self.clock).note(
                scope,
                "person_search",
                detail=found("person_ids", [p.id for p in people]),
            )
        return people

    async def person(self, scope: Scope, person_id: int) -> Person:
        async with self.db.session() as s:
            person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)
            await AuditRepo(s, self.clock).note(
                scope, "read", target_type="person", target_id=person_id, person_id=person_id
            )
        return person

    async def add_person(self, scope: Scope, data: PersonCreate) -> Person:
        """Register a person at a site. Throttled per user: registering is also a way of
        asking whether an NHS number is known, so it is never unlimited."""
        try:
            await self.throttle.attempt(Guard.REGISTRATION, hashed(scope.actor))
        except Throttled:
            async with self.db.session() as s:
                await AuditRepo(s, self.clock).note(scope, "person_add", outcome="throttled")
            raise
        if is_synthetic(data.nhs_number) and not self.settings.allow_synthetic_nhs_numbers:
            raise InvalidInput(
                "NHS numbers from 900 to 999 are for testing and are refused here",
                field="nhs_number",
            )
        async with self.db.session() as s:
            await OrganisationRepo(s, self.clock).get(scope, organisation_id=data.site_id)
            person = await PersonRepo(s, self.clock).create(scope, data)
            await AuditRepo(s, self.clock).note(
                scope,
                "person_add",
                target_type="person",
                target_id=person.id,
                person_id=person.id,
            )
        return person

    async def call(self, scope: Scope, call_id: str) -> Call:
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(scope, call_id=call_id)
            await AuditRepo(s, self.clock).note(
                scope, "read", target_type="call", target_id=call_id, person_id=call.person_id
            )
        return call

    async def call_events(self, scope: Scope, call_id: str) -> Sequence[CallEvent]:
        async with self.db.session() as s:
            calls = CallRepo(s, self.clock)
            call = await calls.get(scope, call_id=call_id)
            events = await calls.events(scope, call_id=call_id)
            await AuditRepo(s, self.clock).note(
                scope,
                "read",
                target_type="call_events",
                target_id=call_id,
                person_id=call.person_id,
            )
        return events

    async def call_history(
        self, scope: Scope, filters: CallFilters, *, limit: int = 100
    ) -> list[HistoryHit]:
        """The calls matching every filter, newest first; the search is audited (what it
        found, never the filters, which may hold a name or an NHS number)."""
        async with self.db.session() as s:
            hits = await HistoryRepo(s, self.clock).search(scope, filters, limit=limit)
            await AuditRepo(s, self.clock).note(
                scope,
                "call_search",
                person_id=filters.person_id,
                detail=found("call_ids", [hit.call.id for hit in hits]),
            )
        return hits

    async def history_rows(self, scope: Scope, filters: CallFilters) -> list[HistoryRow]:
        """The history search as the console shows it."""
        return [history_row(hit) for hit in await self.call_history(scope, filters)]

    async def thread(self, scope: Scope, site_id: int, after_id: int = 0) -> Sequence[Message]:
        async with self.db.session() as s:
            await OrganisationRepo(s, self.clock).get(scope, organisation_id=site_id)
            messages = await MessageRepo(s, self.clock).thread(
                scope, site_id=site_id, after_id=after_id
            )
            await AuditRepo(s, self.clock).note(
                scope, "read", target_type="thread", target_id=site_id
            )
        return messages


def history_row(hit: HistoryHit) -> HistoryRow:
    call, person, nurse = hit.call, hit.person, hit.nurse
    return HistoryRow(
        id=call.id,
        started_at=as_utc(call.started_at),
        site_id=call.site_id,
        site_name=hit.site.name,
        person_id=call.person_id,
        person_name=f"{person.given_name} {person.family_name}" if person else None,
        reason=Reason(call.reason).label,
        state=CallState(call.state),
        disposition=Disposition(call.disposition) if call.disposition else None,
        gold_line_outcome=GoldLineOutcome(call.gold_line_outcome)
        if call.gold_line_outcome
        else None,
        nurse_name=nurse.display_name if nurse else None,
    )
