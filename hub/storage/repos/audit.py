from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from ..scope import Scope
from ..tables import AuditEvent
from .base import Repo


class AuditRepo(Repo):
    """The audit trail. Callers pass codes and ids only: never clinical text or tokens."""

    async def record(
        self,
        *,
        actor: str,
        action: str,
        organisation_id: int | None = None,
        target_type: str | None = None,
        target_id: str | int | None = None,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEvent(
                at=self.clock.now(),
                actor=actor,
                organisation_id=organisation_id or None,
                action=action,
                target_type=target_type,
                target_id=None if target_id is None else str(target_id),
                outcome=outcome,
                detail=detail,
            )
        )

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

    async def recent(self, scope: Scope, *, limit: int = 100) -> Sequence[AuditEvent]:
        scope.require_admin()
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)  # type: ignore[union-attr]
        return (await self.session.exec(stmt)).all()
