"""The clients' reports of how each call went (``call_quality``): written only by a
participant of the call, about its own device, and read by the monthly report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from hub.errors import Forbidden

from ..scope import Scope
from ..tables import CallParticipant, CallQualityReport
from .base import Repo
from .calls import CallRepo

MEASURED = ("video_seconds", "audio_only_seconds", "reconnects", "resumed", "ended_by_failure")
HUB_REPORTER = "hub"
"""The reporter of the hub's own call-quality record: a call that ended by failure, known
from a retired ``call_failed_technical`` disposition (migrated by 0011, or imported)."""
FAILURE_COLUMNS = ("call_id", "reporter", *MEASURED, "reported_at")


def failure_row(call_id: str, at: object) -> tuple[object, ...]:
    """The hub's record that ``call_id`` ended by failure, in ``FAILURE_COLUMNS`` order."""
    return (call_id, HUB_REPORTER, 0, 0, 0, 0, True, at)


class QualityRepo(Repo):
    async def report(self, scope: Scope, *, call_id: str, reporter: str, **measured: Any) -> None:
        """Keep ``reporter``'s report on the call, replacing its last one. Refused unless the
        caller can see the call and has been one of its participants."""
        await CallRepo(self.session, self.clock).get(scope, call_id=call_id)
        took_part = (
            await self.session.exec(
                select(col(CallParticipant.id)).where(  # type: ignore[call-overload]
                    col(CallParticipant.call_id) == call_id,
                    col(CallParticipant.key) == reporter,
                )
            )
        ).first()
        if took_part is None:
            raise Forbidden("Only a participant of the call can report how it went")
        values = {
            "call_id": call_id,
            "reporter": reporter,
            "reported_at": self.clock.now(),
            **{name: measured[name] for name in MEASURED},
        }
        connection = await self.session.connection()
        await connection.execute(_upsert(connection), values)


def _upsert(connection: Connection | AsyncConnection) -> Any:
    table = CallQualityReport.__table__  # type: ignore[attr-defined]
    insert: Any = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["call_id", "reporter"],
        set_={name: stmt.excluded[name] for name in (*MEASURED, "reported_at")},
    )
