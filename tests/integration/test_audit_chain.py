"""The audit trail is tamper-evident: each row carries the hash of the one before it, writers
at the same moment still make one line, and ``telehub audit verify`` names the first row that
was edited or removed behind the hub's back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import JSON, DateTime, bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from hub.audit.service import AuditService
from hub.clock import FakeClock
from hub.settings import HubSettings
from hub.storage.chain import GENESIS, verify
from hub.storage.engine import Database
from hub.storage.migrate import _config, upgrade
from hub.storage.repos.audit import AuditRepo
from hub.storage.scope import Scope
from hub.storage.tables import AuditEvent
from schemas.codes import Role

CLOCK = FakeClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
NURSE = Scope(role=Role.HUB_NURSE, organisation_id=0, user_id=7)


async def _write(db: Database, n: int, *, per_transaction: int = 1) -> None:
    for i in range(n):
        async with db.session() as s:
            for j in range(per_transaction):
                await AuditRepo(s, CLOCK).note(
                    NURSE, "read", target_type="call", target_id=f"c{i}-{j}", person_id=i
                )


async def _rows(db: Database) -> list[AuditEvent]:
    async with db.session() as s:
        return list((await s.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))).all())


def _verify_cli(settings: HubSettings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": settings.database_url}
    if settings.database_schema:
        env["HUB_DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.run(
        [sys.executable, "-m", "hub", "audit", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


async def test_writers_at_the_same_moment_make_one_unbroken_chain(db: Database) -> None:
    await _write(db, 3, per_transaction=2)
    # Twelve transactions at once: on PostgreSQL each has its own connection and they race
    # for the chain head; on SQLite the hub queues them. Either way the chain is one line.
    await asyncio.gather(*(_write(db, 1, per_transaction=2) for _ in range(12)))
    rows = await _rows(db)
    assert [r.seq for r in rows] == list(range(1, 31))
    assert rows[0].prev_hash == GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == before.row_hash
    verdict = await AuditService(db, CLOCK).verify()
    assert verdict.ok and verdict.rows == 30


async def test_verify_names_the_first_row_edited_in_the_database(
    db: Database, settings: HubSettings
) -> None:
    await _write(db, 5)
    ok = _verify_cli(settings)
    assert ok.returncode == 0, ok.stderr
    assert "5 rows" in ok.stdout
    third = (await _rows(db))[2]
    async with db.session() as s:  # someone with database access hides whose record it was
        await s.exec(  # type: ignore[call-overload]
            text("UPDATE auditevent SET person_id = 99 WHERE id = :id").bindparams(id=third.id)
        )
    verdict = await AuditService(db, CLOCK).verify()
    assert (verdict.ok, verdict.broken_id, verdict.rows) == (False, third.id, 2)
    broken = _verify_cli(settings)
    assert broken.returncode == 1
    assert f"row id {third.id} (position 3)" in broken.stderr
    assert "changed" in broken.stderr


async def test_verify_notices_a_removed_row_and_a_removed_last_row(db: Database) -> None:
    await _write(db, 4)
    rows = await _rows(db)
    async with db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            text("DELETE FROM auditevent WHERE id = :id").bindparams(id=rows[3].id)
        )
    verdict = await AuditService(db, CLOCK).verify()
    assert not verdict.ok and verdict.rows == 3, "the last row's removal shows at the head"
    async with db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            text("DELETE FROM auditevent WHERE id = :id").bindparams(id=rows[1].id)
        )
    verdict = await AuditService(db, CLOCK).verify()
    assert (verdict.ok, verdict.broken_id, verdict.rows) == (False, rows[2].id, 1)
    assert verdict.reason == "row 2 is missing"


async def test_rows_written_before_the_chain_existed_are_chained_by_the_migration(
    settings: HubSettings,
) -> None:
    db = Database.from_settings(settings)
    try:

        def to_0006(connection: Connection) -> None:
            command.upgrade(_config(connection), "0006")

        async with db.engine.begin() as conn:
            await conn.run_sync(to_0006)
            for i in range(3):
                await conn.execute(
                    text(
                        "INSERT INTO auditevent (at, actor, action, outcome, detail) "
                        "VALUES (:at, 'user:1', 'read', 'ok', :detail)"
                    ).bindparams(
                        bindparam("at", datetime(2026, 10, 1, 9, i, tzinfo=UTC), DateTime(True)),
                        bindparam("detail", {"n": i}, JSON()),
                    )
                )
        await upgrade(db)
        await _write(db, 2)
        verdict = await AuditService(db, CLOCK).verify()
        assert verdict.ok and verdict.rows == 5
    finally:
        await db.close()


async def test_a_check_while_the_hub_writes_never_reports_a_false_break(db: Database) -> None:
    await _write(db, 2)

    async def check() -> bool:
        async with db.read() as s:
            return (await verify(s, batch=1)).ok

    results = await asyncio.gather(
        *(_write(db, 1) for _ in range(15)), *(check() for _ in range(15))
    )
    assert all(r for r in results if isinstance(r, bool))
    assert (await AuditService(db, CLOCK).verify()).rows == 17
