"""A single hub process killed (-9) or drained (SIGTERM) mid-call, with 20 calls and
messages flowing, and started again (issue 16: the fault suite)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlmodel import select

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import CallParticipant
from support.faults import (
    Client,
    HubProcess,
    Sender,
    add_nurses,
    assert_calls_valid,
    assert_nothing_lost_or_doubled,
    call_for,
    device_client,
    identity_for,
    p95,
    report,
    staff_client,
)
from support.servers import eventually
from support.world import World
from telehub_client.connection import SERVICE_RESTART

CALLS = 20
SENDERS = 5
OUTAGE_SECONDS = 2.0  # how long the hub stays down: the scenario, not a synchronisation


async def _calls_in_progress(
    hub: HubProcess, db: Database, world: World, settings: HubSettings, tag: str
) -> tuple[list[Client], list[Client], list[str]]:
    identity = identity_for(db, settings)
    url = f"ws://127.0.0.1:{hub.port}/ws"
    users = await add_nurses(db, world, CALLS, tag)
    tablets, nurses, call_ids = [], [], []
    for n, user in enumerate(users):
        tablet = await device_client(identity, url, "VHOMA", f"{tag}-tablet-{n}")
        nurse = await staff_client(identity, url, user, resume_messages=True)
        call = await tablet.conn.command("call/start", **call_for(world, n))
        await nurse.conn.command("call/accept", call_id=call["id"])
        tablets.append(tablet)
        nurses.append(nurse)
        call_ids.append(call["id"])
    for client in (*tablets, *nurses):
        client.keep_connected()
    return tablets, nurses, call_ids


async def _flowing(senders: list[Sender], at_least: int) -> None:
    counts = [len(s.acked) for s in senders]
    await eventually(
        lambda: all(len(s.acked) >= c + at_least for s, c in zip(senders, counts, strict=True)),
        within=60,
    )


async def _resumed(clients: list[Client], after: int) -> None:
    await eventually(lambda: all(len(c.reconnects) > after for c in clients), within=90)


async def test_kill_9_mid_call_and_back_after_2_s(
    settings: HubSettings, db: Database, world: World, tmp_path: Path, processes: list[HubProcess]
) -> None:
    hub = HubProcess(settings, tmp_path, "hub")
    processes.append(hub)
    await hub.start()
    tablets, nurses, call_ids = await _calls_in_progress(hub, db, world, settings, "kill")
    clients = [*tablets, *nurses]
    senders = [Sender(t, f"kill-{n}") for n, t in enumerate(tablets[:SENDERS])]
    for sender in senders:
        sender.start()
    try:
        await _flowing(senders, 3)
        await hub.kill()
        killed = time.monotonic()
        await eventually(lambda: all(c.conn.lost.is_set() for c in clients))
        await asyncio.sleep(OUTAGE_SECONDS)
        ready = await hub.start()
        await _resumed(clients, 0)
        await _flowing(senders, 3)
    finally:
        for sender in senders:
            await sender.stop()
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
    tablets, nurses, call_ids = await _calls_in_progress(hub, db, world, settings, "drain")
    clients = [*tablets, *nurses]
    senders = [Sender(t, f"drain-{n}") for n, t in enumerate(tablets[:SENDERS])]
    for sender in senders:
        sender.start()
    try:
        await _flowing(senders, 3)
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
        await _flowing(senders, 3)
    finally:
        for sender in senders:
            await sender.stop()
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
