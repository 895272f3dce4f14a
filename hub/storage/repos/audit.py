from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from ..chain import hold
from ..scope import Scope
from ..tables import AuditEvent
from .base import Repo


class AuditRepo(Repo):
    """The audit trail. Callers pass codes and ids only: never clinical text or tokens.

    ``note`` is the one way to write a row for a caller with a scope (a signed-in user, a
    device, the command line); ``anonymous`` is for callers not yet signed in. Rows join the
    hash chain (``hub.storage.chain``) when the transaction commits.
    """

    async def note(
        self,
        scope: Scope,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | int | None = None,
        person_id: int | None = None,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
        organisation_id: int | None = None,
    ) -> AuditEvent:
        """What ``scope`` did or read: ``action`` on a target (a call, a person, a thread...)
        and, when the target is a person's data, whose (``person_id``). The organisation is
        the caller's unless the row belongs to another (a device enrolled for a site)."""
        return self._add(
            actor=scope.actor,
            action=action,
            organisation_id=scope.organisation_id if organisation_id is None else organisation_id,
            target_type=target_type,
            target_id=target_id,
            person_id=person_id,
            outcome=outcome,
            detail=detail,
        )

    async def record(
        self,
        *,
        actor: str,
        action: str,
        organisation_id: int | None = None,
        target_type: str | None = None,
        target_id: str | int | None = None,
        person_id: int | None = None,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """A row for a caller without a scope: ``anonymous``, or a device or user named by
        id before it has signed in (a refused sign-in, an enrolment)."""
        return self._add(
            actor=actor,
            action=action,
            organisation_id=organisation_id,
            target_type=target_type,
            target_id=target_id,
            person_id=person_id,
            outcome=outcome,
            detail=detail,
        )

    def _add(
        self,
        *,
        actor: str,
        action: str,
        organisation_id: int | None,
        target_type: str | None,
        target_id: str | int | None,
        person_id: int | None,
        outcome: str,
        detail: dict[str, Any] | None,
    ) -> AuditEvent:
        row = AuditEvent(
            at=self.clock.now(),
            actor=actor,
            organisation_id=organisation_id or None,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id)[:64],
            person_id=person_id,
            outcome=outcome,
            detail=detail,
        )
        hold(self.session, row)
        return row

    async def count(self, *, actor: str, action: str, outcome: str, since: datetime) -> int:
        """How many times ``actor`` did ``action`` with ``outcome`` since a moment (for
        throttles that must hold across processes and restarts)."""
        stmt = (
            select(func.count())
            .select_from(AuditEvent)
            .where(
                col(AuditEvent.at) >= since,
                AuditEvent.actor == actor,
                AuditEvent.action == action,
                AuditEvent.outcome == outcome,
            )
        )
        return int((await self.session.exec(stmt)).one())

    async def trail(
        self,
        scope: Scope,
        *,
        person_id: int | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 500,
    ) -> Sequence[AuditEvent]:
        """The trail for the information-governance lead, newest first: rows about one
        person, by one actor, from ``since`` up to (not including) ``until``. Hub admins only."""
        scope.require_admin()
        stmt = select(AuditEvent)
        if person_id is not None:
            stmt = stmt.where(AuditEvent.person_id == person_id)
        if actor is not None:
            stmt = stmt.where(AuditEvent.actor == actor)
        if since is not None:
            stmt = stmt.where(col(AuditEvent.at) >= since)
        if until is not None:
            stmt = stmt.where(col(AuditEvent.at) < until)
        stmt = stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
        return (await self.session.exec(stmt)).all()


FOUND_IDS_KEPT = 20


def found(key: str, ids: Sequence[object]) -> dict[str, Any]:
    """The audit detail of a search or a list: how many it found and the first of their ids
    (``key`` names them: ``person_ids``, ``call_ids``, ``task_ids``)."""
    return {"results": len(ids), key: [str(i) for i in ids[:FOUND_IDS_KEPT]]}
