"""Counting what the database really runs: every statement sent, and every transaction
begun (on PostgreSQL a BEGIN and a COMMIT, two more round trips each); and the ORM
sessions that ran them (each one built, begun and closed costs the hub's CPU)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction

from hub.storage.engine import Database

# The hub's own background tasks (hub.realtime.endpoint): their reads are not a request's.
BACKGROUND = frozenset({"call timers", "clinic timers", "session upkeep", "heartbeat"})


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0  # begun; a connection in autocommit begins none
    sessions: int = 0  # ORM sessions begun on this database (in autocommit or not)

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]


def _foreground() -> bool:
    task = asyncio.current_task()
    return task is None or task.get_name() not in BACKGROUND


@contextmanager
def counted(db: Database) -> Iterator[Counted]:
    """Every statement and transaction while the block runs, but the hub's timers'."""
    seen = Counted()

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        if _foreground():
            seen.statements.append(text)

    def begun(conn: Connection) -> None:
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if _foreground() and not autocommit:
            seen.transactions += 1

    engine = db.engine.sync_engine

    def session_begun(session: Session, transaction: SessionTransaction) -> None:
        bind = session.bind
        if transaction.parent is None and getattr(bind, "engine", bind) is engine:
            if _foreground():
                seen.sessions += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begun)
    event.listen(Session, "after_transaction_create", session_begun)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begun)
        event.remove(Session, "after_transaction_create", session_begun)
