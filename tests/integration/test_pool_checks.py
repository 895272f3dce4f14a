"""The PostgreSQL pool's check before use (``Database._checked_out``, in place of a ping on
every check-out), the connections it keeps, and ``Database.autocommit()``, against a real
server."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.storage.engine import Database
from hub.storage.tables import AuditEvent
from support.servers import eventually
from support.world import NOW


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the pool's check and autocommit are PostgreSQL's (SQLite has neither)")


async def _backend_pid(db: Database) -> int:
    async with db.session() as s:
        return int((await s.exec(text("SELECT pg_backend_pid()"))).scalar_one())  # type: ignore[call-overload]


@pytest.mark.usefixtures("postgres_only")
async def test_a_connection_the_server_ended_in_the_pool_is_replaced_not_failed(
    db: Database,
) -> None:
    pid = await _backend_pid(db)  # back in the pool, used a moment ago: no ping is due
    admin = create_async_engine(db.url)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

            async def gone() -> bool:
                found = await conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                )
                return found.scalar_one() == 0

            await eventually(gone)
    finally:
        await admin.dispose()
    assert await _backend_pid(db) != pid  # a new connection, and the work did not fail


@pytest.mark.usefixtures("postgres_only")
async def test_autocommit_refuses_rows_it_could_not_write_atomically(db: Database) -> None:
    with pytest.raises(RuntimeError, match="cannot add or change rows"):
        async with db.autocommit() as s:
            s.add(AuditEvent(at=NOW, actor="system", action="test"))


@pytest.mark.usefixtures("postgres_only")
async def test_connections_opened_for_a_burst_are_kept_for_the_next(db: Database) -> None:
    """A herd of registrations takes more connections than a quiet hub holds; each one
    closed on its return (the pool's overflow) is one opened again for the next burst."""
    burst = 15
    held = asyncio.Event()
    checked_out = 0

    async def one() -> None:
        nonlocal checked_out
        async with db.lookup() as conn:
            await conn.execute(text("SELECT 1"))
            checked_out += 1
            if checked_out == burst:
                held.set()
            await held.wait()  # all of them at once

    await asyncio.gather(*(one() for _ in range(burst)))
    pool = db.engine.pool
    assert pool.checkedin() == burst  # type: ignore[attr-defined]
