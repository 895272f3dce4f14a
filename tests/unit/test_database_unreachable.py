"""Which database errors mean "the server is not there" (a typed ``unavailable``, the
client tries again) and which are the work's own fault (hub/storage/engine.py)."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub.errors import Unavailable
from hub.storage.engine import Database, unreachable


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(inner: BaseException) -> DBAPIError:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise DBAPIError("SELECT 1", None, Exception("adapter")) from exc
    except DBAPIError as outer:
        return outer


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
        ConnectionResetError(errno.ECONNRESET, "reset"),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        _wrapped(_DriverError("08003")),  # connection does not exist (closed mid-operation)
        _wrapped(_DriverError("57P01")),  # admin shutdown
        _wrapped(_DriverError("57P03")),  # the database system is starting up
        DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True),
    ],
)
def test_the_server_not_being_there_is_unreachable(exc: BaseException) -> None:
    assert unreachable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad value"),
        OSError(errno.ENOSPC, "No space left on device"),  # a full disk is not a lost server
        _wrapped(_DriverError("23505")),  # unique violation: the work's own fault
        IntegrityError("INSERT", None, Exception("duplicate")),
    ],
)
def test_the_works_own_faults_are_not(exc: BaseException) -> None:
    assert not unreachable(exc)


async def test_a_session_on_a_server_that_is_not_there_is_unavailable(
    unused_tcp_port: int,
) -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{unused_tcp_port}/none")
    try:
        with pytest.raises(Unavailable):
            async with db.session() as s:
                await s.connection()
    finally:
        await db.close()
