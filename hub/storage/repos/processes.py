"""Hub processes that are alive, and the participants of those that are not.

Each process writes that it is alive every few seconds. One that stops (kill -9, a lost
host) leaves sockets that died with it and participants the database still thinks are
connected: whoever finds it dead marks them disconnected from when it was last seen, and
a process that starts with nobody else alive marks them from its own start (a hub that was
down does not count its own downtime against them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col, select

from ..tables import CallParticipant, HubProcess
from .base import Repo


class ProcessRepo(Repo):
    async def beat(self, *, process_id: str) -> None:
        """This process is alive now (registering it the first time)."""
        now = self.clock.now()
        row = await self.session.get(HubProcess, process_id, populate_existing=True)
        if row is None:
            self.session.add(HubProcess(id=process_id, started_at=now, seen_at=now))
        else:
            row.seen_at = now
            self.session.add(row)

    async def others_alive(self, *, process_id: str, since: datetime) -> bool:
        rows = await self.session.exec(
            select(HubProcess.id).where(
                col(HubProcess.id) != process_id, col(HubProcess.seen_at) >= since
            )
        )
        return rows.first() is not None

    async def dead(self, *, before: datetime) -> Sequence[HubProcess]:
        """Processes not seen alive since ``before``."""
        rows = await self.session.exec(select(HubProcess).where(col(HubProcess.seen_at) < before))
        return rows.all()

    async def bury(self, *, process_id: str, disconnected_at: datetime) -> list[str]:
        """Its participants count as disconnected from ``disconnected_at``; the process row
        goes. Returns the calls that changed."""
        changed = await self.session.exec(
            update(CallParticipant)
            .where(
                col(CallParticipant.process_id) == process_id,
                col(CallParticipant.left_at).is_(None),
                col(CallParticipant.disconnected_at).is_(None),
            )
            .values(disconnected_at=disconnected_at)
            .returning(col(CallParticipant.call_id))
        )
        call_ids = list(changed.scalars().all())
        await self.session.exec(delete(HubProcess).where(col(HubProcess.id) == process_id))
        return call_ids

    async def adopt_orphans(self, *, process_id: str, at: datetime) -> list[str]:
        """At start with no other process alive: every participant still marked connected
        by a process other than this one lost its socket when the hub went down; its
        resume window starts now. Returns the calls that changed."""
        changed = await self.session.exec(
            update(CallParticipant)
            .where(
                col(CallParticipant.left_at).is_(None),
                col(CallParticipant.disconnected_at).is_(None),
                or_(
                    col(CallParticipant.process_id).is_(None),
                    col(CallParticipant.process_id) != process_id,
                ),
            )
            .values(disconnected_at=at)
            .returning(col(CallParticipant.call_id))
        )
        call_ids = list(changed.scalars().all())
        await self.session.exec(delete(HubProcess).where(col(HubProcess.id) != process_id))
        return call_ids
