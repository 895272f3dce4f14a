"""``make bench-signalling``: the hub's signalling relay beside a bare aiohttp relay.

In one run, with one load generator (``benchmarks/loadgen.py``):

1. the floor, ``benchmarks/bare_relay.py``: frames go from one socket to its pair's other
   socket with no auth, no validation and no JSON parsing;
2. the hub (``create_app`` on a temporary SQLite database): for every pair a tablet starts
   a call and its own nurse accepts it, then the two relay ``signal/candidate`` frames back
   and forth through the call's roster and the broker;
3. the hub holding ``--idle`` authenticated idle tablet sockets: the server's resident
   memory per connection, and the time from a ``call/start`` to the last of ``--consoles``
   nurse consoles seeing the call in a queue event.

Each server runs in its own process on core 0; this process (the load generator) runs on
core 1; everything is on 127.0.0.1. Results are printed and, unless ``--no-record``, written
to the "## Signalling" section of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hub.auth.service import IdentityService
from hub.clock import SystemClock
from hub.heap import freeze_long_lived
from hub.settings import HubSettings
from hub.storage.engine import Database

from .loadgen import PairSet, RunResult, combine, settle
from .serving import pin_to_core, raise_fd_limit
from .signalling_fanout import (
    IdleResult,
    QueueWatcher,
    all_moved_on,
    all_saw,
    idle_and_fanout,
)
from .signalling_pairs import (
    CALL,
    SDP,
    bare_pairs,
    hub_pairs,
    open_hub,
    open_nurse,
    open_tablet,
)
from .signalling_report import (
    DOC,
    FANOUT_TARGET_MS,
    P99_TARGET,
    RELAY_COLUMNS,
    RSS_TARGET_KIB,
    SECTION,
    THROUGHPUT_TARGET,
    Report,
    console,
    machine,
    ms,
    problems,
    record,
    verdict,
)
from .signalling_servers import LOADGEN_CORE, ROOT, SERVER_CORE, Server, start_server
from .world import BenchWorld, build_bench_world

__all__ = [  # the run is here; its parts are re-exported for those who import them from here
    "CALL",
    "DOC",
    "FANOUT_TARGET_MS",
    "LOADGEN_CORE",
    "P99_TARGET",
    "RELAY_COLUMNS",
    "ROOT",
    "RSS_TARGET_KIB",
    "SDP",
    "SECTION",
    "SERVER_CORE",
    "THROUGHPUT_TARGET",
    "IdleResult",
    "QueueWatcher",
    "Report",
    "Server",
    "all_moved_on",
    "all_saw",
    "bare_pairs",
    "hub_pairs",
    "idle_and_fanout",
    "machine",
    "main",
    "measure_relays",
    "ms",
    "open_hub",
    "open_nurse",
    "open_tablet",
    "problems",
    "record",
    "run",
    "start_server",
    "verdict",
]


async def measure_relays(
    bare: Server,
    hub: Server,
    identity: IdentityService,
    world: BenchWorld,
    n: int,
    args: argparse.Namespace,
) -> tuple[RunResult, RunResult]:
    """Open n bare pairs and n hub pairs, then measure them in alternating rounds."""
    console.print(f"  {n} pairs: connecting; on the hub each tablet calls and a nurse answers")
    bare_set = PairSet(await bare_pairs(bare, n))
    hub_set = PairSet(await hub_pairs(hub, identity, world, n))
    runs: dict[str, list[RunResult]] = {"bare": [], "hub": []}
    # The load generator's own full collections (over 100 ms with everything it imported)
    # would land in both targets' p99; its set-up is done, so it keeps out of their way.
    freeze_long_lived()
    try:
        await settle(hub.pid)
        for r in range(args.rounds):
            order = [("bare", bare_set, bare), ("hub", hub_set, hub)]
            for name, pair_set, server in order if r % 2 == 0 else order[::-1]:
                result = await pair_set.measure(
                    server_pid=server.pid, warmup=args.warmup, seconds=args.seconds
                )
                runs[name].append(result)
                console.print(
                    f"    round {r + 1} {name:4}: {result.rate:8,.0f} msg/s  p50 "
                    f"{ms(result.percentile(0.5))} ms  p99 {ms(result.percentile(0.99))} ms  "
                    f"server CPU {result.server_cpu:.0%} "
                    f"({result.server_us_per_message:.0f} µs/msg)  "
                    f"others {result.others_cpu:.2f} cores"
                )
                await settle(server.pid)
    finally:
        await bare_set.close()
        await hub_set.close()
    await settle(hub.pid)
    return combine(runs["bare"]), combine(runs["hub"])


async def run(args: argparse.Namespace) -> Report:
    pair_counts = sorted({int(x) for x in args.pairs.split(",")})
    workdir = Path(tempfile.mkdtemp(prefix="telehub-bench-"))
    pairs_url = f"sqlite+aiosqlite:///{workdir}/pairs.sqlite3"
    idle_url = f"sqlite+aiosqlite:///{workdir}/idle.sqlite3"
    report = Report(datetime.now(UTC), args, {}, {}, None, os.getloadavg()[0])
    console.print(f"[bold]bench-signalling[/] {machine()}")
    console.print(f"  load average {report.load_before:.2f}; databases in {workdir}")
    pairs_db, idle_db = Database(pairs_url), Database(idle_url)
    try:
        pairs_world = await build_bench_world(
            pairs_db, nurses=sum(pair_counts), tablets=sum(pair_counts)
        )
        idle_world = None
        if args.idle:
            idle_world = await build_bench_world(
                idle_db, nurses=args.consoles, tablets=args.idle + 6
            )
        bare = await start_server("benchmarks.bare_relay")
        hub = await start_server("benchmarks.hub_server", "--database-url", pairs_url)
        identity = IdentityService(pairs_db, SystemClock(), HubSettings(database_url=pairs_url))
        try:
            for n in pair_counts:
                report.bare[n], report.hub[n] = await measure_relays(
                    bare, hub, identity, pairs_world, n, args
                )
        finally:
            await bare.stop()
            await hub.stop()

        if idle_world is not None:
            console.print(f"  hub, {args.idle} idle tablets and {args.consoles} consoles ...")
            hub = await start_server("benchmarks.hub_server", "--database-url", idle_url)
            settings = HubSettings(database_url=idle_url)
            identity = IdentityService(idle_db, SystemClock(), settings)
            try:
                report.idle = await idle_and_fanout(
                    hub,
                    identity,
                    idle_world,
                    idle=args.idle,
                    consoles=args.consoles,
                    repeats=args.repeats,
                )
            finally:
                await hub.stop()
    finally:
        await pairs_db.close()
        await idle_db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    report.load_after = os.getloadavg()[0]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer repeats")
    parser.add_argument("--pairs", default="50,500", help="pair counts, comma separated")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds per size")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per round")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up seconds per round")
    parser.add_argument("--idle", type=int, default=5000, help="idle tablet sockets (0: skip)")
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=None, help="fan-out calls to time")
    parser.add_argument("--no-record", action="store_true", help="do not write docs/")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args()
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    args.warmup = args.warmup or 1.0
    args.repeats = args.repeats or (20 if args.quick else 50)
    if args.quick and args.idle == 5000:
        args.idle = 1000
    pin_to_core(LOADGEN_CORE)
    raise_fd_limit()
    started = time.perf_counter()
    report = asyncio.run(run(args))
    report.print()
    if not args.no_record:
        record(report, args.doc)
        console.print(f"recorded in {args.doc}")
    console.print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
