"""Several hub processes: two behind nginx (ops/nginx) with one killed -9, and two on a
Redis of the test's own that is killed for 5 s under cross-process load (issue 16: the
fault suite)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import aiohttp
import pytest

from hub.settings import HubSettings
from hub.storage.engine import Database
from schemas.wire import CloseCode
from support.faults import (
    TELEHUB,
    HubProcess,
    Sender,
    Shown,
    add_nurses,
    assert_calls_valid,
    assert_nothing_lost_or_doubled,
    call_for,
    calls_in_progress,
    device_client,
    flowing,
    identity_for,
    p95,
    report,
    sending,
    staff_client,
)
from support.nginx import Nginx
from support.servers import RedisServer, eventually
from support.world import World

REDIS_OUTAGE_SECONDS = 5.0  # the scenario's outage, not a synchronisation


async def _status(process: HubProcess) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{process.base}/readyz") as response:
            return response.status


async def test_two_processes_behind_nginx_one_killed(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    shared_redis = os.environ.get("HUB_TEST_REDIS_URL", "")
    if not shared_redis:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    on_redis = settings.model_copy(update={"broker_url": shared_redis})  # own namespace
    first, second = (HubProcess(on_redis, tmp_path, name) for name in ("first", "second"))
    processes.extend([first, second])
    await asyncio.gather(first.start(), second.start())
    nginx = Nginx(tmp_path, [first.port, second.port])
    await nginx.start()
    try:
        url = f"ws://127.0.0.1:{nginx.port}/ws"
        tablets, nurses, call_ids = await calls_in_progress(db, settings, world, url, 10, "lb")
        clients = [*tablets, *nurses]
        senders = [Sender(t, f"lb-{n}") for n, t in enumerate(tablets[:4])]
        async with sending(senders):
            await eventually(lambda: all(len(s.acked) >= 3 for s in senders), within=60)
            await first.kill()
            killed = time.monotonic()
            # least_conn spread the sockets over both; those on the killed one come back
            # through nginx to the survivor, the others never notice.
            await eventually(lambda: any(c.close_codes for c in clients))
            await eventually(lambda: all(c.reconnects for c in clients if c.close_codes), within=60)
            await flowing(senders, 3)
        moved = [c for c in clients if c.close_codes]
        assert all(c.reconnects for c in moved)
        failover = [c.reconnects[0] - killed for c in moved]
        assert 0 < len(moved) < len(clients)
        acked = await assert_nothing_lost_or_doubled(db, senders, nurses)
        await assert_calls_valid(db, call_ids, expect="connected")
        report(
            "two processes behind nginx, one killed -9",
            clients=len(clients),
            moved=len(moved),
            acked_messages=acked,
            failover_p95_s=p95(failover),
            failover_max_s=max(failover),
            target_p95_s=2.0,
        )
        for client in clients:
            await client.close()
    finally:
        await nginx.stop()


async def test_redis_killed_for_5_s_under_cross_process_load(
    settings: HubSettings,
    db: Database,
    world: World,
    tmp_path: Path,
    processes: list[HubProcess],
    redis: RedisServer,
) -> None:
    on_redis = settings.model_copy(update={"broker_url": redis.url})
    sites, hub_side = (HubProcess(on_redis, tmp_path, name) for name in ("sites", "hub-side"))
    processes.extend([sites, hub_side])
    await asyncio.gather(sites.start(), hub_side.start())
    identity = identity_for(db, settings)
    # Tablets on one process, nurses on the other: every message crosses Redis.
    tablets = [
        await device_client(identity, f"ws://127.0.0.1:{sites.port}/ws", "VHOMA", f"r-{n}")
        for n in range(4)
    ]
    nurses = [
        await staff_client(identity, f"ws://127.0.0.1:{hub_side.port}/ws", u, resume_messages=True)
        for u in await add_nurses(db, world, 4, "redis")
    ]
    call = await tablets[0].conn.command("call/start", **call_for(world, 0))
    await nurses[0].conn.command("call/accept", call_id=call["id"])
    for client in (*tablets, *nurses):
        client.keep_connected()
    senders = [Sender(t, f"redis-{n}") for n, t in enumerate(tablets)]
    shown = Shown(nurses)
    steady_from = time.monotonic()
    async with sending(senders):
        await eventually(lambda: all(len(s.acked) >= 20 for s in senders), within=60)
        killed = time.monotonic()
        redis.kill()

        async def both_unready() -> bool:
            return {await _status(sites), await _status(hub_side)} == {503}

        await eventually(both_unready)
        during = [len(s.acked) for s in senders]
        await asyncio.sleep(REDIS_OUTAGE_SECONDS)
        acked_during = sum(len(s.acked) for s in senders) - sum(during)
        redis.start()
        back = time.monotonic()

        async def both_ready() -> bool:
            return {await _status(sites), await _status(hub_side)} == {200}

        await eventually(both_ready)
        await flowing(senders, 3)
    acked = await assert_nothing_lost_or_doubled(db, senders, nurses)
    caught_up = time.monotonic() - back
    await shown.stop()
    # Issue 16's targets: send to shown on the other process, p95 < 50 ms in steady state
    # (sent and shown before the kill) and < 1 s during catch-up (sent after Redis came
    # back, until every one was shown); and those sent while it was away, from its return.
    steady = shown.send_to_shown(senders, steady_from, killed, shown_before=killed)
    catching_up = shown.send_to_shown(senders, back, back + caught_up)
    away = [shown.at[m] - back for s in senders for m, t in s.sent_at.items()
            if killed <= t < back and m in shown.at]  # fmt: skip
    assert acked_during > 0  # writes went on being acknowledged while Redis was away
    assert all(not c.close_codes for c in (*tablets, *nurses))  # no socket was dropped
    await assert_calls_valid(db, [call["id"]], expect="connected")
    report(
        "Redis killed for 5 s",
        acked_messages=acked,
        acked_while_redis_away=acked_during,
        redis_back_to_all_shown_s=caught_up,
        steady_send_to_shown_median_s=statistics.median(steady),
        steady_send_to_shown_p95_s=p95(steady),
        steady_messages=len(steady),
        catch_up_send_to_shown_p95_s=p95(catching_up),
        catch_up_messages=len(catching_up),
        sent_while_away_back_to_shown_p95_s=p95(away),
    )
    for client in (*tablets, *nurses):
        await client.close()


async def test_a_tablet_revoked_from_the_command_line_is_cut_off_within_1_s(
    settings: HubSettings,
    db: Database,
    world: World,
    tmp_path: Path,
    processes: list[HubProcess],
    redis: RedisServer,
) -> None:
    """Issue 15: ``telehub device revoke`` runs no broker, but rings the hub processes'
    channel after writing the revocation, so the tablet's open socket closes at once (not
    at the next 30 s database recheck)."""
    on_redis = settings.model_copy(update={"broker_url": redis.url})
    hub = HubProcess(on_redis, tmp_path, "hub")
    processes.append(hub)
    await hub.start()
    identity = identity_for(db, settings)
    tablet = await device_client(identity, f"ws://127.0.0.1:{hub.port}/ws", "VHOMA", "cli")
    device_id = tablet.conn.auth_ok["who"]["id"]
    cli = await asyncio.create_subprocess_exec(
        str(TELEHUB), "device", "revoke", str(device_id),
        env=hub.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await cli.communicate()
    revoked = time.monotonic()
    assert cli.returncode == 0, out.decode()
    assert b"revoked" in out and b"within 30 s" not in out
    took = await eventually(lambda: tablet.conn.lost.is_set(), within=30) + (
        revoked - time.monotonic()
    )
    assert tablet.conn.close_code == CloseCode.REVOKED
    report("tablet revoked from the command line", revoked_to_closed_s=max(took, 0.0))
    assert took < 1.0
    await tablet.close()
