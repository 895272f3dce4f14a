"""Re-triage: a nurse changes a waiting call's clinical priority with one key (issue 17
item 1: a message from the home while it waits may change it). Recorded as a call event,
audited, and the queue re-announced to every console after the commit."""

from __future__ import annotations

from hub.auth.principal import Principal
from hub.clock import Clock
from hub.errors import InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from schemas.wire import CallSnapshot

from . import states
from .announce import Announcer
from .participants import actor


class RetriageService:
    def __init__(self, db: Database, clock: Clock, announce: Announcer) -> None:
        self.db = db
        self.clock = clock
        self.announce = announce

    async def retriage(self, p: Principal, call_id: str, priority: int) -> CallSnapshot:
        async with self.db.session() as s:
            calls = CallRepo(s, self.clock)
            call = await calls.get(p.scope, call_id=call_id)
            if call.priority == priority:
                raise InvalidInput("The call already has this priority", field="priority")
            before = await calls.set_priority(
                p.scope,
                call_id=call_id,
                priority=priority,
                states=frozenset(str(x.value) for x in states.WAITING),
            )
            if before is None:
                raise InvalidState("Only a call still waiting can be re-triaged")
            detail = {"priority_before": before, "priority_after": priority}
            await calls.note(call_id=call_id, kind="retriaged", actor=actor(p), detail=detail)
            await AuditRepo(s, self.clock).note(
                p.scope,
                "call_retriage",
                target_type="call",
                target_id=call_id,
                person_id=call.person_id,
                detail=detail,
            )
        await self.announce.queue_changed()
        return await self.announce.snapshot(call_id)
