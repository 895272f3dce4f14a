"""Refusals written to the audit trail, the chain check, and the trail read back for the
information-governance lead. Rows hold ids and codes only: never names, NHS numbers or text.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.clock import Clock
from hub.errors import HubError, NotFound
from hub.storage.chain import Verdict, verify
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.scope import SYSTEM, Scope

REFUSED = "refused"
TARGETS = {
    "call_id": "call",
    "person_id": "person",
    "photo_id": "photo",
    "task_id": "follow_up",
    "site_id": "site",
    "device_id": "device",
}
"""The ids a request or a command may name, and the target each names."""

MAX_ID = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


class AuditService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def refused(
        self,
        scope: Scope | None,
        where: str,
        error: HubError,
        ids: Mapping[str, object],
    ) -> None:
        """A refused request or command (``where``: ``GET /api/calls/{call_id}``, or a wire
        type): who asked, for which ids, and why it was refused (the error's code)."""
        target_type, target_id, person_id = await self._target(ids)
        async with self.db.session() as s:
            repo = AuditRepo(s, self.clock)
            detail = {"where": where[:120], "code": error.code.value}
            if scope is None:
                await repo.record(
                    actor="anonymous",
                    action="refused",
                    target_type=target_type,
                    target_id=target_id,
                    person_id=person_id,
                    outcome=REFUSED,
                    detail=detail,
                )
            else:
                await repo.note(
                    scope,
                    "refused",
                    target_type=target_type,
                    target_id=target_id,
                    person_id=person_id,
                    outcome=REFUSED,
                    detail=detail,
                )

    async def _target(self, ids: Mapping[str, object]) -> tuple[str | None, str | None, int | None]:
        """The first id named, and whose record it is when that is known (the person a
        refused call belongs to, so the IG view shows every attempt on a person's record)."""
        person_id = _small_int(ids.get("person_id"))
        for key, target_type in TARGETS.items():
            value = ids.get(key)
            if value is None:
                continue
            if key == "call_id" and person_id is None:
                person_id = await self._person_of_call(str(value))
            return target_type, str(value)[:64], person_id
        return None, None, person_id

    async def _person_of_call(self, call_id: str) -> int | None:
        async with self.db.session() as s:
            try:
                call = await CallRepo(s, self.clock).get(SYSTEM, call_id=call_id[:64])
            except NotFound:
                return None
        return call.person_id

    async def verify(self) -> Verdict:
        """Walk the hash chain; the verdict names the first broken row, if any."""
        async with self.db.read() as s:
            return await verify(s)


def _small_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None
