"""A single hub process killed (-9) or drained (SIGTERM) mid-call, with 20 calls and
messages flowing, and started again (issue 16: the fault suite)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from sqlmodel import select

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import CallParticipant
from support.faults import (
    Client,
    HubProcess,
    Sender,
    assert_calls_valid,
    assert_nothing_lost_or_doubled,
    call_for,
    call_in_state,
    calls_in_progress,
    device_client,
    flowing,
    identity_for,
    p95,
    report,
    sending,
)
from support.servers import eventually
from support.world import World
from telehub_client.connection import SERVICE_RESTART

CALLS = 20
SENDERS = 5
OUTAGE_SECONDS = 2.0  # how long the hub stays down: the scenario, not a synchronisation


async def _resumed(clients: list[Client], after: int) -> None:
    await eventually(lambda: all(len(c.reconnects) > after for c in clients), within=90)


async def test_kill_9_mid_call_and_back_after_2_s(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    hub = HubProcess(settings, tmp_path, "hub")
    processes.append(hub)
    await hub.start()
    tablets, nurses, call_ids = await calls_in_progress(
        db, settings, world, f"ws://127.0.0.1:{hub.port}/ws", CALLS, "kill"
    )
    clients = [*tablets, *nurses]
    senders = [Sender(t, f"kill-{n}") for n, t in enumerate(tablets[:SENDERS])]
    async with sending(senders):
        await flowing(senders, 3)
        await hub.kill()
        killed = time.monotonic()
        await eventually(lambda: all(c.conn.lost.is_set() for c in clients))
        await asyncio.sleep(OUTAGE_SECONDS)
        ready = await hub.start()
        await _resumed(clients, 0)
        await flowing(senders, 3)
    back = [c.reconnects[0] - ready for c in clients]
    for tablet, call_id in zip(tablets, call_ids, strict=True):
        assert [c["id"] for c in tablet.conn.auth_ok["calls"]] == [call_id]  # kept its place
    acked = await assert_nothing_lost_or_doubled(db, senders, nurses)
    await assert_calls_valid(db, call_ids, expect="connected")
    report(
        "kill -9, back after 2 s",
        clients=len(clients),
        acked_messages=acked,
        down_s=ready - killed,
        reregistration_p95_s=p95(back),
        reregistration_max_s=max(back),
        target_p95_s=1.0,
    )
    for client in clients:
        await client.close()


async def test_sigterm_drains_then_back_after_2_s(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    hub = HubProcess(settings, tmp_path, "hub", HUB_DRAIN_SECONDS="10")
    processes.append(hub)
    await hub.start()
    tablets, nurses, call_ids = await calls_in_progress(
        db, settings, world, f"ws://127.0.0.1:{hub.port}/ws", CALLS, "drain"
    )
    clients = [*tablets, *nurses]
    senders = [Sender(t, f"drain-{n}") for n, t in enumerate(tablets[:SENDERS])]
    async with sending(senders):
        await flowing(senders, 3)
        hub.terminate()
        exited = await hub.exited(within=15)
        stopped = time.monotonic()
        assert exited < 10 + 2  # within the drain timeout
        await eventually(lambda: all(c.close_codes for c in clients))
        assert {c.close_codes[0] for c in clients} == {SERVICE_RESTART}
        # Nobody's resume window started: the drain is not the participants leaving.
        async with db.session() as s:
            rows = (await s.exec(select(CallParticipant))).all()
        assert [r.key for r in rows if r.disconnected_at is not None and r.left_at is None] == []
        await asyncio.sleep(OUTAGE_SECONDS)
        ready = await hub.start()
        await _resumed(clients, 0)
        await flowing(senders, 3)
    back = [c.reconnects[-1] - ready for c in clients]
    acked = await assert_nothing_lost_or_doubled(db, senders, nurses)
    await assert_calls_valid(db, call_ids, expect="connected")
    report(
        "SIGTERM drain, back after 2 s",
        clients=len(clients),
        acked_messages=acked,
        drain_s=exited,
        down_s=ready - stopped,
        reregistration_p95_s=p95(back),
        target_p95_s=1.0,
    )
    for client in clients:
        await client.close()


async def test_sigterm_then_back_after_longer_than_the_resume_window(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    """The 90 s restart, shortened: a 10 s window and 12 s down (plus the start-up). The
    hub does not count its own downtime: every call is still there when clients return."""
    window = 10
    hub = HubProcess(settings, tmp_path, "hub", HUB_RESUME_WINDOW_SECONDS=str(window))
    processes.append(hub)
    await hub.start()
    tablets, nurses, call_ids = await calls_in_progress(
        db, settings, world, f"ws://127.0.0.1:{hub.port}/ws", CALLS, "long"
    )
    clients = [*tablets, *nurses]
    hub.terminate()
    await hub.exited(within=40)
    stopped = time.monotonic()
    await asyncio.sleep(window + 2)  # down for longer than the resume window
    ready = await hub.start()
    await _resumed(clients, 0)
    for tablet, call_id in zip(tablets, call_ids, strict=True):
        assert [c["id"] for c in tablet.conn.auth_ok["calls"]] == [call_id]
    await assert_calls_valid(db, call_ids, expect="connected")
    report(
        "SIGTERM, back after longer than the resume window",
        clients=len(clients),
        down_s=ready - stopped,
        window_s=window,
        reregistration_p95_s=p95([c.reconnects[-1] - ready for c in clients]),
    )
    for client in clients:
        await client.close()


async def test_kill_9_with_a_queued_call_whose_tablet_never_returns(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    """Issue 16 item 2: the sockets that died with the process count as disconnected, so a
    tablet that never comes back abandons its call after the window, as any other would."""
    window = 3
    hub = HubProcess(settings, tmp_path, "hub", HUB_RESUME_WINDOW_SECONDS=str(window))
    processes.append(hub)
    await hub.start()
    identity = identity_for(db, settings)
    tablet = await device_client(identity, f"ws://127.0.0.1:{hub.port}/ws", "VHOMA", "gone")
    call = await tablet.conn.command("call/start", **call_for(world, 0))
    await hub.kill()
    await tablet.close()  # the tablet never comes back
    spawned = time.monotonic()
    await hub.start()
    took = await eventually(call_in_state(db, call["id"], "abandoned"), within=60)
    report("kill -9, queued call's tablet gone", ready_to_abandoned_s=took, window_s=window)
    assert time.monotonic() - spawned >= window  # the window ran from the restart


async def test_a_peer_finds_a_killed_process_dead_and_its_tablet_abandons(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    shared_redis = os.environ.get("HUB_TEST_REDIS_URL", "")
    if not shared_redis:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    on_redis = settings.model_copy(update={"broker_url": shared_redis})
    short = {"HUB_RESUME_WINDOW_SECONDS": "3", "HUB_PROCESS_TIMEOUT_SECONDS": "3"}
    doomed, survivor = (HubProcess(on_redis, tmp_path, n, **short) for n in ("doomed", "survivor"))
    processes.extend([doomed, survivor])
    await asyncio.gather(doomed.start(), survivor.start())
    identity = identity_for(db, settings)
    tablet = await device_client(identity, f"ws://127.0.0.1:{doomed.port}/ws", "VHOMA", "lost")
    call = await tablet.conn.command("call/start", **call_for(world, 0))
    await doomed.kill()
    killed = time.monotonic()
    await tablet.close()
    took = await eventually(call_in_state(db, call["id"], "abandoned"), within=60)
    # Not before the window, counted from when the process was last seen alive (it says
    # so once a second): the sockets died with it then.
    assert time.monotonic() - killed >= 3 - 1.5
    report("peer kill -9, survivor abandons the lost tablet's call", kill_to_abandoned_s=took)
