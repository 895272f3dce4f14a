"""What every repository shares: a session in a transaction, and the clock."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock


class Repo:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
