"""A client whose connection is lost while the hub is in the middle of its command: the
command finishes; it is not cancelled half way through its transaction.

Two things keep it so. The hub is run with handler cancellation off (``hub.http.runner``,
as ``telehub serve`` runs it); and should a socket's handler be cancelled anyway (aiohttp's
test server cancels it when the connection goes; shutdown does too) the read loop is
shielded, so the command in hand finishes. Each is tested alone here. Before, the tests'
servers cancelled handlers, and on SQLite a write cut off half way could keep the write
lock, so that every other write waited out the 30 s busy timeout (the end-to-end stalls of
stop 24). The command is held at a real PostgreSQL row lock that the test takes and lets
go of, so the connection is lost at a known point: with the call's row being inserted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlmodel import select

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Call
from support.calls import call_request
from support.hub import HubServer, RunningHub, running_hub
from support.servers import eventually
from support.world import NOW, World
from telehub_client import CommandFailed
from telehub_client.connection import Disconnected


@pytest.fixture
def backend() -> str:
    return "postgres"  # the command is held at a PostgreSQL row lock


@pytest.fixture(params=["as deployed", "handlers cancelled"])
async def hub(
    request: pytest.FixtureRequest, settings: HubSettings, world: World
) -> AsyncIterator[RunningHub]:
    """The hub as ``telehub serve`` runs it, and as aiohttp's own test server runs it: with
    a handler cancelled when its client's connection is lost."""
    serving = HubServer if request.param == "as deployed" else TestServer
    async with running_hub(settings, world, NOW, serving=serving) as running:
        yield running


async def _inserting_a_call_waits_on_a_lock(db: Database) -> bool:
    async with db.lookup() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE 'INSERT INTO call %'"
                " AND datname = current_database()"
            )
        )
        return bool(waiting.scalar_one())


@pytest.mark.postgres
async def test_a_call_started_as_the_connection_is_lost_is_still_made(
    hub: RunningHub, settings: HubSettings
) -> None:
    tablet = await hub.device()
    key = tablet.auth_ok["who"]["participant_key"]
    site_id = hub.world.home_a.site.id
    side = Database.from_settings(settings)
    try:
        async with side.engine.connect() as holding:
            # A new call's row names its site: inserting it waits for this lock.
            await holding.execute(
                text("SELECT id FROM organisation WHERE id = :id FOR UPDATE"), {"id": site_id}
            )
            starting = asyncio.create_task(tablet.command("call/start", **call_request(hub, 7)))
            await eventually(lambda: _inserting_a_call_waits_on_a_lock(side))
            await tablet.drop()  # the connection is lost with the call's row half written
            on_hub = hub.realtime.registry.of(key)
            await eventually(lambda: all(c._open_transport() is None for c in on_hub))
            await holding.rollback()  # the lock goes; the hub's insert carries on
        with contextlib.suppress(Disconnected, CommandFailed):
            await starting

        async def made() -> bool:
            async with side.session() as s:
                calls = (await s.exec(select(Call).where(Call.site_id == site_id))).all()
                return any((c.client_ref or "").endswith("/c7") for c in calls)

        await eventually(made, within=10)
    finally:
        await side.close()
