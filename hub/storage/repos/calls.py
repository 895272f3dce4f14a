from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from hub.errors import NotFound

from ..scope import Scope
from ..tables import Call, CallEvent
from .base import Repo


class CallRepo(Repo):
    async def get(self, scope: Scope, *, call_id: str) -> Call:
        scope.require_clinical()
        call = (
            await self.session.exec(
                select(Call).where(Call.id == call_id, scope.site_clause(Call.site_id))
            )
        ).first()
        if call is None:
            raise NotFound("No such call")
        return call

    async def history(
        self,
        scope: Scope,
        *,
        site_id: int | None = None,
        person_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        disposition: str | None = None,
        limit: int = 50,
    ) -> Sequence[Call]:
        scope.require_clinical()
        stmt = select(Call).where(scope.site_clause(Call.site_id))
        if site_id is not None:
            stmt = stmt.where(Call.site_id == site_id)
        if person_id is not None:
            stmt = stmt.where(Call.person_id == person_id)
        if since is not None:
            stmt = stmt.where(Call.started_at >= since)
        if until is not None:
            stmt = stmt.where(Call.started_at < until)
        if disposition is not None:
            stmt = stmt.where(Call.disposition == disposition)
        stmt = stmt.order_by(col(Call.started_at).desc()).limit(limit)
        return (await self.session.exec(stmt)).all()

    async def events(self, scope: Scope, *, call_id: str) -> Sequence[CallEvent]:
        await self.get(scope, call_id=call_id)
        return (
            await self.session.exec(
                select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.id))
            )
        ).all()

    async def add(self, call: Call, events: Sequence[CallEvent] = ()) -> Call:
        self.session.add(call)
        await self.session.flush()
        self.session.add_all(list(events))
        return call
