"""Re-registration after a hub restart and failover behind nginx (``make bench-restart``).

Real ``telehub serve`` processes (the fault suite's ``tests/support/faults.py``), the
PostgreSQL at ``--pg`` (a schema of the run's own, dropped at the end) and a redis-server
of the run's own on a spare port.

1. **Restart**, twice: ``--clients`` clients in calls (half tablets, half their nurses)
   alone, then again with ``--idle`` enrolled tablets connected and idle (a deploy). The
   hub is killed with -9, stays down ``--down`` seconds, and is started again. Each client
   comes back on the clients' own schedule (``telehub_client.connection.reconnect_wait``);
   re-registration is its ``auth_ok`` after the restarted hub answered ``/readyz`` 200, as
   seen by a process of its own (``probes.ReadyProbe``: this one is busy with every
   client). The floor, in the same run: the same clients' first registration, all at once,
   on the hub before it was killed. ``--auth-backlog`` sets the hubs'
   ``HUB_WS_AUTH_BACKLOG`` (a large one: no herd refused, as before it existed).
2. **Failover.** Two hubs behind nginx (``ops/nginx/telehub.conf`` as the fault suite sets
   it up) sharing PostgreSQL and the Redis; ``--clients`` clients through nginx; one hub
   killed -9. Failover is, for each client that was on it, from the kill to its ``auth_ok``
   through nginx on the survivor.

With two CPUs or more (and unless ``--no-pin``), the load generator (this process, every
client in it) runs on CPU 0 and the hubs on CPU 1, so the figures are the hub's own and not
the load generator's; PostgreSQL and the run's Redis are not pinned.

Prints a table; with ``HUB_WRITE_DOCS=1`` (as the make target sets it) writes it into the
"## Restarts and failover" section of ``docs/performance.md``.

    python benchmarks/bench_restart.py --idle 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fault suite's helpers (support.faults)

from benchmarks import restart_table as table  # noqa: E402
from benchmarks.deployment import deployment, load_average  # noqa: E402
from benchmarks.docs import DOC, asked, replace_section  # noqa: E402
from benchmarks.probes import ReadyProbe, cpu_seconds  # noqa: E402
from benchmarks.restart_table import HEADING, Figures  # noqa: E402
from benchmarks.serving import raise_fd_limit  # noqa: E402
from hub.auth.service import IdentityService  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.storage.engine import Database  # noqa: E402
from support.faults import (  # noqa: E402
    Client,
    HubProcess,
    Nginx,
    add_nurses,
    call_for,
    device_client,
    identity_for,
)
from support.servers import eventually  # noqa: E402
from support.world import World  # noqa: E402

# Every client here connects from 127.0.0.1; tablets in the field come from their homes'
# addresses, so the per-address budget for websocket credentials is set out of reach (the
# per-device one is left as it is).
ONE_ADDRESS = {"HUB_RATE_WS_CREDENTIAL": "1000000/minute"}
RESTART_TARGET_P95 = 1.0  # s, 20 clients in calls (issue 16)
IDLE_TARGET_P95 = 5.0  # s, 2,000 idle tablets at once
FAILOVER_TARGET_P95 = 2.0  # s


async def _timed_all(
    opens: list[Callable[[], Awaitable[Client]]],
) -> tuple[list[Client], list[float]]:
    """Open every client at once; each one's time from the start to its auth_ok."""
    started = time.monotonic()

    async def one(open_: Callable[[], Awaitable[Client]]) -> tuple[Client, float]:
        client = await open_()
        return client, time.monotonic() - started

    done = await asyncio.gather(*(one(o) for o in opens))
    return [c for c, _ in done], [t for _, t in done]


async def _credentials(identity: IdentityService, count: int, tag: str) -> list[str]:
    """Enrol ``count`` tablets at Home A (in batches, not one by one through the run)."""
    from hub.storage.scope import SYSTEM
    from schemas.api import DeviceCreate

    async def one(n: int) -> str:
        _, _, code = await identity.create_enrolment(
            SYSTEM, DeviceCreate(site_ods="VHOMA", label=f"{tag}-{n}")
        )
        _, credential = await identity.enrol(code)
        return credential

    out: list[str] = []
    for start in range(0, count, 50):
        out += await asyncio.gather(*(one(n) for n in range(start, min(count, start + 50))))
    return out


def _idle_opener(url: str, credential: str, name: str) -> Callable[[], Awaitable[Client]]:
    from telehub_client import HubConnection

    async def auth() -> dict[str, str]:
        return {"type": "auth", "credential": credential}

    async def open_() -> Client:
        conn = HubConnection(url, auth)
        await conn.come_back()  # as a tablet does: a refused first try is tried again
        return Client(name, conn)

    return open_


async def _calls(
    url: str, db: Database, world: World, identity: IdentityService, count: int, tag: str
) -> list[Client]:
    """``count`` clients in ``count // 2`` connected calls (a tablet and its nurse each)."""
    from support.faults import staff_client

    clients: list[Client] = []
    for n, user in enumerate(await add_nurses(db, world, count // 2, tag)):
        tablet = await device_client(identity, url, "VHOMA", f"{tag}-tablet-{n}")
        nurse = await staff_client(identity, url, user)
        call = await tablet.conn.command("call/start", **call_for(world, n))
        await nurse.conn.command("call/accept", call_id=call["id"])
        clients += [tablet, nurse]
    return clients


async def restart(
    settings: HubSettings,
    db: Database,
    world: World,
    workdir: Path,
    args: argparse.Namespace,
    *,
    idle_count: int,
) -> tuple[list[Figures], dict[str, float]]:
    """One restart: ``args.clients`` in calls and ``idle_count`` idle tablets."""
    tag = f"restart{idle_count}"
    hub = HubProcess(settings, workdir, tag, cpus=args.hub_cpus, **_hub_env(args))
    spawned = time.monotonic()
    await hub.start(within=180)
    first_start = hub.ready_at - spawned
    identity = identity_for(db, settings)
    url = f"ws://127.0.0.1:{hub.port}/ws"
    try:
        in_calls = await _calls(url, db, world, identity, args.clients, tag)
        credentials = await _credentials(identity, idle_count, f"{tag}-idle")
        opens = [_idle_opener(url, c, f"idle-{n}") for n, c in enumerate(credentials)]
        idle, first_idle = await _timed_all(opens)
        # The floor: the in-call clients' first registration, all at once, on a warm hub.
        for client in in_calls:
            await client.conn.drop()
        started = time.monotonic()

        async def registered(client: Client) -> float:
            await client.conn.connect()
            return time.monotonic() - started

        floor = list(await asyncio.gather(*(registered(c) for c in in_calls)))
        everyone = [*in_calls, *idle]
        for client in everyone:
            client.keep_connected()
        await hub.kill()
        killed = time.monotonic()
        await eventually(lambda: all(c.conn.lost.is_set() for c in everyone), within=60)
        await asyncio.sleep(args.down)  # the outage being measured, not a synchronisation
        probe = ReadyProbe(hub.port)  # /readyz from a process that is not this busy one
        await probe.start()
        respawned, generator_cpu = time.monotonic(), time.process_time()
        try:
            ready = await hub.start(within=180)
            outside = await probe.ready_at(within=180)
        finally:
            await probe.stop()
        await eventually(lambda: all(c.reconnects for c in everyone), within=300)
        generator_cpu = time.process_time() - generator_cpu
        assert hub.process is not None
        hub_cpu = cpu_seconds(hub.process.pid)
        # The hub was ready by its first /readyz 200 seen from outside, or the first auth_ok
        # if that came sooner (a starved machine).
        seen_ready = ready
        ready = min(outside, min(c.reconnects[0] for c in everyone))
        back_calls = [c.reconnects[0] - ready for c in in_calls]
        back_idle = [c.reconnects[0] - ready for c in idle]
        extra = {
            "clients": len(everyone),
            "generator_cpu_s": generator_cpu,
            "hub_cpu_s": hub_cpu,
            "first_start_s": first_start,
            "restart_start_s": ready - respawned,
            "readyz_late_s": seen_ready - ready,
            "down_s": ready - killed,
            "spawn_to_all_back_s": max(c.reconnects[0] for c in everyone) - respawned,
        }
        down = f"kill -9 + {args.down:g} s down"
        if not idle:  # the 20-client target: those clients alone
            figures = [
                Figures("first registration, all at once, warm hub (floor)", len(in_calls), floor),
                Figures(
                    f"re-registration after {down}, clients in calls, alone",
                    len(in_calls),
                    back_calls,
                    RESTART_TARGET_P95,
                ),
            ]
        else:  # the 2,000-tablet target: a deploy, with the clients in calls among them
            figures = [
                Figures("idle tablets' first registration, all at once", len(idle), first_idle),
                Figures(f"re-registration after {down}, idle tablets", len(idle), back_idle),
                Figures("... the clients in calls among them", len(in_calls), back_calls),
            ]
            figures[1].target = IDLE_TARGET_P95
        for client in everyone:
            await client.close()
        return figures, extra
    finally:
        await hub.kill()


async def failover(
    settings: HubSettings, db: Database, world: World, workdir: Path, args: argparse.Namespace
) -> Figures:
    first, second = (
        HubProcess(settings, workdir, n, cpus=args.hub_cpus, **_hub_env(args))
        for n in ("first", "second")
    )
    nginx = Nginx(workdir, [first.port, second.port])
    try:
        await asyncio.gather(first.start(within=180), second.start(within=180))
        await nginx.start()
        identity = identity_for(db, settings)
        clients = await _calls(
            f"ws://127.0.0.1:{nginx.port}/ws", db, world, identity, args.clients, "lb"
        )
        for client in clients:
            client.keep_connected()
        await first.kill()
        killed = time.monotonic()
        await eventually(lambda: any(c.close_codes for c in clients), within=30)
        moved = [c for c in clients if c.close_codes]
        await eventually(lambda: all(c.reconnects for c in moved), within=120)
        seconds = [c.reconnects[0] - killed for c in moved]
        for client in clients:
            await client.close()
        return Figures(
            f"failover behind nginx, kill -9 to auth_ok ({len(moved)} of {len(clients)} moved)",
            len(moved),
            seconds,
            FAILOVER_TARGET_P95,
        )
    finally:
        await nginx.stop()
        await first.kill()
        await second.kill()


def _hub_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(ONE_ADDRESS)
    if args.auth_backlog is not None:
        env["HUB_WS_AUTH_BACKLOG"] = str(args.auth_backlog)
    return env


def _pin(args: argparse.Namespace) -> str:
    """Put this process (the load generator) on CPU 0 and the hubs it starts on CPU 1."""
    args.hub_cpus = None
    if not args.pin or (os.cpu_count() or 1) < 2:
        return "the load generator and the hubs sharing every CPU"
    os.sched_setaffinity(0, {0})
    args.hub_cpus = {1}
    return "the load generator (every client, one process) on CPU 0 and the hubs on CPU 1"


async def main(args: argparse.Namespace) -> None:
    raise_fd_limit()
    load_before = load_average()
    async with deployment(args.pg, "bench-restart-") as deployed:
        pinned = _pin(args)  # after the Redis started: it is not the load generator's
        settings, db, world, workdir = (
            deployed.settings,
            deployed.db,
            deployed.world,
            deployed.workdir,
        )
        runs = [await restart(settings, db, world, workdir, args, idle_count=0)]
        if args.idle:
            runs.append(await restart(settings, db, world, workdir, args, idle_count=args.idle))
        moved = await failover(settings, db, world, workdir, args)
    figures = [f for run, _ in runs for f in run]
    section = table.section(
        [*figures, moved], [x for _, x in runs], load_before, load_average(), pinned
    )
    print(section)
    if asked():
        replace_section(DOC, HEADING, section)
        print(f"wrote {DOC}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("HUB_TEST_DATABASE_URL", ""))
    parser.add_argument("--clients", type=int, default=20, help="clients in calls")
    parser.add_argument("--idle", type=int, default=2000, help="idle tablets")
    parser.add_argument("--down", type=float, default=2.0, help="seconds the hub stays down")
    parser.add_argument(
        "--auth-backlog",
        type=int,
        default=None,
        help="the hubs' HUB_WS_AUTH_BACKLOG (default: the hub's own default)",
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the load generator on CPU 0, the hubs on CPU 1",
    )
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("--pg (or HUB_TEST_DATABASE_URL) names the PostgreSQL to use")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
