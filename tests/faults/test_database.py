"""PostgreSQL stopped for 5 s under cross-process load: two hub processes on a cluster of
the test's own (issue 16: the fault suite). While the database is away every write is
refused with a typed ``unavailable`` (never ``internal``, never acknowledged), ``/readyz``
says why, a tablet that connects is told to try again; when it is back nothing
acknowledged is lost, nothing is shown twice, and no one's call is ended because the hub
could not write that it was alive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import select
from websockets.exceptions import ConnectionClosed

from hub.clock import SystemClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import CallParticipant
from hub.storage.tables import HubProcess as ProcessRow
from schemas.api import DeviceCreate
from support.faults import (
    HubProcess,
    Sender,
    add_nurses,
    assert_calls_valid,
    assert_nothing_lost_or_doubled,
    call_for,
    device_client,
    identity_for,
    report,
    sending,
    staff_client,
)
from support.servers import PostgresServer, RedisServer, eventually
from support.world import World
from telehub_client import HubConnection

OUTAGE_SECONDS = 5.0  # the scenario's outage, not a synchronisation
# Shorter than the outage: a hub that cannot write that it is alive must not be taken for
# dead by its peer, nor its participants for gone, once the database is back.
PROCESS_TIMEOUT = 3
RESUME_WINDOW = 4
TRY_AGAIN_LATER = 1013


@pytest.fixture
async def postgres() -> AsyncIterator[PostgresServer]:
    server = PostgresServer()
    await server.init()
    await server.start()
    try:
        yield server
    finally:
        await server.remove()


@pytest.fixture
async def settings(postgres: PostgresServer) -> HubSettings:
    """The hub's database is the test's own cluster, which the test stops."""
    return HubSettings(environment="test", database_url=postgres.url)


async def _readyz(process: HubProcess) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{process.base}/readyz") as response:
            return response.status, str((await response.json()).get("detail") or "")


async def _seen_since(db: Database, at: Any, count: int) -> bool:
    async with db.session() as s:
        rows = (await s.exec(select(ProcessRow))).all()
    return len([r for r in rows if r.seen_at.replace(tzinfo=at.tzinfo) >= at]) >= count


async def test_postgres_stopped_for_5_s_under_cross_process_load(
    settings: HubSettings,
    db: Database,
    world: World,
    tmp_path: Any,
    processes: list[HubProcess],
    redis: RedisServer,
    postgres: PostgresServer,
) -> None:
    on_redis = settings.model_copy(update={"broker_url": redis.url})
    short = {
        "HUB_PROCESS_TIMEOUT_SECONDS": str(PROCESS_TIMEOUT),
        "HUB_RESUME_WINDOW_SECONDS": str(RESUME_WINDOW),
    }
    sites, hub_side = (HubProcess(on_redis, tmp_path, n, **short) for n in ("sites", "hub-side"))
    processes.extend([sites, hub_side])
    await asyncio.gather(sites.start(), hub_side.start())
    identity = identity_for(db, settings)
    sites_url, hub_url = (f"ws://127.0.0.1:{p.port}/ws" for p in (sites, hub_side))
    tablets = [await device_client(identity, sites_url, "VHOMA", f"pg-{n}") for n in range(4)]
    nurses = [
        await staff_client(identity, hub_url, user, resume_messages=True)
        for user in await add_nurses(db, world, 4, "pg")
    ]
    call = await tablets[0].conn.command("call/start", **call_for(world, 0))
    await nurses[0].conn.command("call/accept", call_id=call["id"])
    # A tablet enrolled now that will connect while the database is away.
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VHOMA", label="pg-late")
    )
    _, credential = await identity.enrol(code)

    async def late_auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    for client in (*tablets, *nurses):
        client.keep_connected()
    retry = frozenset({"unavailable"})
    senders = [Sender(t, f"pg-{n}", retry=retry) for n, t in enumerate(tablets)]
    async with sending(senders):
        await eventually(lambda: all(len(s.acked) >= 3 for s in senders), within=60)
        stopped_at = time.monotonic()
        await postgres.stop()
        marks = [len(s.acked) for s in senders]

        async def both_unready() -> bool:
            answers = {await _readyz(sites), await _readyz(hub_side)}
            return answers == {(503, "database unreachable")}

        unready_after = await eventually(both_unready)
        # Writes are refused, typed, and the senders keep trying the same message.
        await eventually(lambda: all(s.retried for s in senders))
        refused_after = time.monotonic() - stopped_at
        with pytest.raises(ConnectionClosed) as closed:  # told to try again, not left hanging
            await asyncio.wait_for(HubConnection.open(sites_url, late_auth), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == TRY_AGAIN_LATER
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
        acked_during = sum(len(s.acked) for s in senders) - sum(marks)
        await postgres.start()
        back_at = time.monotonic()

        async def both_ready() -> bool:
            return {await _readyz(sites), await _readyz(hub_side)} == {(200, "")}

        ready_after = await eventually(both_ready, within=30)
        marks = [len(s.acked) for s in senders]
        await eventually(
            lambda: all(len(s.acked) >= m + 3 for s, m in zip(senders, marks, strict=True)),
            within=60,
        )
        writes_after = time.monotonic() - back_at
    assert acked_during == 0  # nothing was acknowledged that the database did not keep
    acked = await assert_nothing_lost_or_doubled(db, senders, nurses)
    assert all(set(s.retried) == {"unavailable"} for s in senders)
    late = await HubConnection.open(sites_url, late_auth)  # and now it is let in
    await late.close()
    # Both processes have swept (beaten, looked for dead peers, run the resume windows)
    # well past the point where a wrongly buried peer's participants would have been
    # dropped: every participant is still connected and the call goes on.
    after = SystemClock().now() + timedelta(seconds=PROCESS_TIMEOUT + RESUME_WINDOW + 1)
    await eventually(lambda: _seen_since(db, after, 2), within=60)
    async with db.session() as s:
        rows = (await s.exec(select(CallParticipant))).all()
    assert [r.key for r in rows if r.disconnected_at or r.left_at] == []
    await assert_calls_valid(db, [call["id"]], expect="connected")
    assert all(not c.close_codes for c in (*tablets, *nurses))  # no socket was dropped
    report(
        "PostgreSQL stopped for 5 s",
        acked_messages=acked,
        refused_unavailable=sum(len(s.retried) for s in senders),
        readyz_503_after_s=unready_after,
        first_refusals_after_s=refused_after,
        back_to_ready_s=ready_after,
        back_to_writes_s=writes_after,
    )
    for client in (*tablets, *nurses):
        await client.close()
