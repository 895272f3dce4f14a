"""Refusals written to the audit trail, the chain check, and the trail read back for the
information-governance lead. Rows hold ids and codes only: never names, NHS numbers or text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hub.clock import LONDON, Clock, as_utc
from hub.errors import HubError, NotFound
from hub.spreadsheet import Writer
from hub.storage.chain import Verdict, verify
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.scope import SYSTEM, Scope
from hub.storage.tables import AuditEvent

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
PAGE_ROWS = 500
CSV_ROWS = 100_000
CSV_COLUMNS = [
    "at_utc",
    "actor",
    "actor_username",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "person_id",
    "outcome",
    "detail",
    "seq",
]


@dataclass(frozen=True, slots=True)
class TrailQuery:
    """The information-governance lead's filters: one person, one user, London days."""

    person_id: int | None = None
    username: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class TrailEntry:
    row: AuditEvent
    actor_username: str | None
    actor_name: str | None
    actor_role: str | None

    @property
    def at(self) -> datetime:
        return as_utc(self.row.at)


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

    async def trail(
        self, scope: Scope, query: TrailQuery, *, shown_as: str = "page", limit: int = PAGE_ROWS
    ) -> list[TrailEntry]:
        """Who read or did what to whose record, newest first (hub admins only). Reading
        the trail is itself audited, with the filters used."""
        scope.require_admin()
        async with self.db.session() as s:
            users = UserRepo(s, self.clock)
            actor = None
            if query.username:
                user = await users.by_username(username=query.username)
                actor = f"user:{user.id}" if user else "user:none"
            rows = await AuditRepo(s, self.clock).trail(
                scope,
                person_id=query.person_id,
                actor=actor,
                since=_london_midnight(query.since),
                until=_london_midnight(query.until + timedelta(days=1) if query.until else None),
                limit=limit,
            )
            people: dict[str, tuple[str | None, str | None, str | None]] = {}
            for key in {r.actor for r in rows if r.actor.startswith("user:")}:
                found = await users.by_id(user_id=int(key.removeprefix("user:")))
                if found is not None:
                    people[key] = (found.username, found.display_name, found.role)
            await AuditRepo(s, self.clock).note(
                scope,
                "audit_trail_read",
                person_id=query.person_id,
                target_type="user" if actor else None,
                target_id=actor.removeprefix("user:") if actor else None,
                detail={
                    "shown_as": shown_as,
                    "from": query.since.isoformat() if query.since else None,
                    "to": query.until.isoformat() if query.until else None,
                    "results": len(rows),
                },
            )
        return [TrailEntry(r, *people.get(r.actor, (None, None, None))) for r in rows]

    async def trail_csv(self, scope: Scope, query: TrailQuery) -> str:
        """The trail as CSV, through the hub's one CSV writer (no cell runs as a formula)."""
        entries = await self.trail(scope, query, shown_as="csv", limit=CSV_ROWS)
        out = io.StringIO()
        rows = (
            [
                e.at.isoformat(),
                e.row.actor,
                e.actor_username,
                e.actor_role,
                e.row.action,
                e.row.target_type,
                e.row.target_id,
                e.row.person_id,
                e.row.outcome,
                _detail_text(e.row.detail),
                e.row.seq,
            ]
            for e in entries
        )
        writer = Writer(out)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)
        return out.getvalue()

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


def _london_midnight(day: date | None) -> datetime | None:
    """The start of a London calendar day, as a moment."""
    if day is None:
        return None
    return datetime.combine(day, time(), LONDON)


def _detail_text(detail: Mapping[str, object] | None) -> str:
    if not detail:
        return ""
    return "; ".join(f"{k}={v}" for k, v in sorted(detail.items()) if v is not None)
