"""Reading and adding clinical records (residents, calls, message threads), scoped and audited.

Every read of a person's record or a call is written to the audit trail with ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.clock import Clock
from hub.errors import InvalidInput
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.messages import MessageRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Call, CallEvent, Message, Organisation, Person
from schemas.api import PersonCreate
from schemas.nhs import is_synthetic


class RecordsService:
    def __init__(self, db: Database, clock: Clock, settings: HubSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

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
        self,
        scope: Scope,
        *,
        site_id: int | None = None,
        person_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        disposition: str | None = None,
    ) -> Sequence[Call]:
        async with self.db.session() as s:
            calls = await CallRepo(s, self.clock).history(
                scope,
                site_id=site_id,
                person_id=person_id,
                since=since,
                until=until,
                disposition=disposition,
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "call_search",
                person_id=person_id,
                detail=found("call_ids", [c.id for c in calls]),
            )
        return calls

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
