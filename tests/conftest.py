"""Fixtures shared by every suite: a real database (SQLite, and PostgreSQL when named), the
app built through create_app, an HTTP client, and a small world of organisations and people.

PostgreSQL and Redis suites run when HUB_TEST_DATABASE_URL / HUB_TEST_REDIS_URL are set
(``make test`` sets them to this machine's services). If they are set and the service is
unreachable, the tests fail: they never silently skip a service that was asked for.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from support.hub import HubServer
from support.pg_schema import fresh_schema
from support.servers import RedisServer
from support.world import World, build_world

PG_URL = os.environ.get("HUB_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not PG_URL:
        pytest.skip("HUB_TEST_DATABASE_URL is not set (make test sets it)")
    return str(request.param)


@pytest.fixture
async def settings(backend: str, tmp_path: Path) -> AsyncIterator[HubSettings]:
    """Settings for a fresh, empty database: a SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield HubSettings(
            environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/hub.sqlite3"
        )
        return
    # pytest does not throw a test's own errors into its fixtures: an OSError here is the
    # schema's creation or drop being refused, the service asked for not being there.
    try:
        async with fresh_schema(PG_URL, "t") as schema:
            yield HubSettings(environment="test", database_url=PG_URL, database_schema=schema)
    except OSError as exc:
        pytest.fail(f"PostgreSQL at HUB_TEST_DATABASE_URL is unreachable: {exc}")


@pytest.fixture
async def db(settings: HubSettings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@pytest.fixture
async def client(settings: HubSettings, world: World) -> AsyncIterator[TestClient]:
    app = create_app(settings)
    async with TestClient(HubServer(app)) as test_client:
        yield test_client


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own on a spare port, which it may kill (never the
    machine's shared one)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
