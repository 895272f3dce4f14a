"""The async database engine and sessions. Only the storage layer imports this."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import Unavailable

from .chain import seal

if TYPE_CHECKING:
    from hub.settings import HubSettings

_holding: ContextVar[bool] = ContextVar("holding_sqlite_turn", default=False)
POOL_SIZE = 30  # PostgreSQL connections per hub process, at most; each kept once opened


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = url
        if url.startswith("sqlite"):
            raw = url.split("///", 1)[1]
            if raw and raw != ":memory:":
                Path(raw).parent.mkdir(parents=True, exist_ok=True)
            self.engine: AsyncEngine = create_async_engine(
                url, connect_args={"timeout": 30}, hide_parameters=True
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            # A schema other than public keeps test runs (and co-hosted hubs) apart.
            server_settings = {"search_path": schema} if schema else {}
            self.engine = create_async_engine(
                url,
                # Up to 30 connections, as before (10 + 20 overflow), but every one opened
                # is kept: an overflow connection was closed when it came back, and a herd
                # of registrations (more than 10 at once) opened and closed one for nearly
                # every check-out (asyncpg's connect, ~8 % of an idle tablet's registration
                # in a py-spy profile; docs/performance.md). The pool grows only as needed.
                pool_size=POOL_SIZE,
                max_overflow=0,
                hide_parameters=True,  # errors in the log never hold the values written
                connect_args={"server_settings": server_settings},
            )
            event.listen(self.engine.sync_engine.pool, "checkout", _checked_out)
        self._turn = asyncio.Lock() if url.startswith("sqlite") else None
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: HubSettings) -> Database:
        return cls(settings.database_url, schema=settings.database_schema)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, committed on success and rolled back on error.

        SQLite allows one writer at a time and makes the others poll for the lock; in the
        embedded (single-process) mode the hub queues its transactions on an asyncio lock
        instead, so none polls and none fails on a stale read snapshot.
        """
        try:
            if self._turn is None or _holding.get():
                async with self._sessions() as session, session.begin():
                    yield session
                    await seal(session)
                return
            async with self._turn:
                token = _holding.set(True)
                try:
                    async with self._sessions() as session, session.begin():
                        yield session
                        await seal(session)
                finally:
                    _holding.reset(token)
        except Exception as exc:
            if unreachable(exc):
                raise Unavailable(UNAVAILABLE) from exc
            raise

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A session whose every statement is its own transaction, for work that needs no
        atomicity across its statements: a lookup, a single conditional UPDATE, reads that
        are each consistent alone. On PostgreSQL (read committed: each statement sees its
        own snapshot either way) it saves the BEGIN and COMMIT round trips. Rows cannot be
        added or changed through it (nor audited: the chain is sealed in a transaction);
        on SQLite it is an ordinary ``session()``."""
        if self._turn is not None:
            async with self.session() as session:
                yield session
            return
        async with self.lookup() as conn:
            async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                yield session
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("Database.autocommit() cannot add or change rows")

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[AsyncConnection]:
        """A connection for Core statements, each its own transaction as in ``autocommit()``,
        with no ORM session around them: a repository's Core read (``repos/sign_in.py``)
        needs none, and building, beginning and closing one was ~7 % of an idle tablet's
        registration (docs/performance.md). On SQLite it is an ordinary ``session()``'s."""
        if self._turn is not None:
            async with self.session() as session:
                yield await session.connection()
            return
        try:
            async with self.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                yield conn
        except Exception as exc:
            if unreachable(exc):
                raise Unavailable(UNAVAILABLE) from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session that need not wait for writers (long report queries)."""
        try:
            async with self._sessions() as session, session.begin():
                yield session
                await seal(session)
        except Exception as exc:
            if unreachable(exc):
                raise Unavailable(UNAVAILABLE) from exc
            raise

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


UNAVAILABLE = "The hub cannot reach its database just now; nothing was saved. Try again."
# SQLSTATE classes and codes that mean the server is not there: connection exceptions (08),
# and the server shutting down, crashed or starting up (57P01-57P03).
_GONE_STATES = ("08", "57P01", "57P02", "57P03")
_GONE_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT})


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database server cannot be reached (refused, closed in the
    middle of a transaction, shutting down or starting up), not that the work was wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(8):  # the driver's error, wrapped by the adapter, wrapped by SQLAlchemy
        if seen is None:
            return False
        if isinstance(seen, ConnectionError) or (
            isinstance(seen, OSError) and seen.errno in _GONE_ERRNOS
        ):  # refused, reset, no route: the server is not there
            return True
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str) and state.startswith(_GONE_STATES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _checked_out(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Instead of ``pool_pre_ping``, whose asyncpg ping is three round trips on every
    check-out (BEGIN, the ping, ROLLBACK: the most of a socket's registration): one the
    driver knows the server closed is replaced without asking, any other is pinged with
    one round trip (a simple query). Found dead, it is replaced before use (the
    pool retries the check-out) and the work does not fail."""
    driver = dbapi_connection.driver_connection
    if driver.is_closed():
        raise DisconnectionError("the server closed this connection while it was pooled")
    try:
        await_(driver.execute("SELECT 1"))
    except Exception as exc:
        raise DisconnectionError("this pooled connection did not answer") from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers carry on during a write; synchronous=FULL makes a commit durable
    # before we acknowledge it; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
