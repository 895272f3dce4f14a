from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from ..scope import Scope
from ..tables import Message
from .base import Repo


class MessageRepo(Repo):
    async def thread(
        self, scope: Scope, *, site_id: int, after_id: int = 0, limit: int = 100
    ) -> Sequence[Message]:
        """The site's thread with the hub, oldest first, after a message id."""
        scope.require_clinical()
        stmt = (
            select(Message)
            .where(
                Message.site_id == site_id,
                scope.site_clause(Message.site_id),
                col(Message.id) > after_id,
            )
            .order_by(col(Message.id))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()
