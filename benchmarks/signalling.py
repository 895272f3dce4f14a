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
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.table import Table

from hub.auth.service import IdentityService, user_principal
from hub.clock import SystemClock
from hub.heap import freeze_long_lived
from hub.settings import HubSettings
from hub.storage.engine import Database

from .docs import replace_section
from .frames import open_socket
from .loadgen import (
    BenchError,
    PairSet,
    RunResult,
    Socket,
    close_all,
    combine,
    gather_limited,
    rss_kib,
    settle,
    wait_until,
)
from .serving import pin_to_core, raise_fd_limit
from .world import BenchWorld, Tablet, build_bench_world

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
SECTION = "## Signalling"
SERVER_CORE, LOADGEN_CORE = 0, 1
THROUGHPUT_TARGET, P99_TARGET = 0.7, 1.5
RSS_TARGET_KIB, FANOUT_TARGET_MS = 100.0, 100.0
CALL = {
    "channel": "care_home",
    "reason": "breathing_difficulty",
    "home_intent": "gp_urgent",
    "concern": "Benchmark call",
}
console = Console(width=150)
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
RELAY_COLUMNS = [
    "server",
    "pairs",
    "relayed msg/s",
    "p50 RTT ms",
    "p99 RTT ms",
    "server CPU",
    "server µs/msg",
    "load-gen CPU",
    "others (cores)",
    "errors",
]


# -- servers under test -------------------------------------------------------------------
@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def stop(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the server stops when its stdin closes
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start_server(module: str, *args: str) -> Server:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "--core",
        str(SERVER_CORE),
        *args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        ready = json.loads(line)
    except (TimeoutError, ValueError):
        process.kill()
        await process.wait()
        raise BenchError(f"{module} did not start") from None
    return Server(process, int(ready["port"]), int(ready["pid"]))


# -- getting sockets ready ----------------------------------------------------------------
async def open_hub(url: str, auth: dict[str, str]) -> Socket:
    ws = await open_socket(url)
    ws.send_text(json.dumps({"type": "auth", **auth}))
    try:
        first = json.loads(await ws.receive_text(within=60))
    except ConnectionError as exc:
        first = {"closed": str(exc)}
    if first.get("type") != "auth_ok":
        await ws.close()
        raise BenchError(f"auth refused: {first}")
    return Socket(ws, key=first["who"]["participant_key"])


async def open_tablet(url: str, tablet: Tablet) -> Socket:
    return await open_hub(url, {"credential": tablet.credential})


async def open_nurse(url: str, identity: IdentityService, nurse: Any) -> Socket:
    ticket, _ = await identity.issue_ticket(user_principal(nurse))
    return await open_hub(url, {"ticket": ticket})


async def bare_pairs(server: Server, n: int) -> list[tuple[Socket, Socket]]:
    async def one(i: int) -> tuple[Socket, Socket]:
        a = Socket(await open_socket(f"{server.url}?pair={i}"))
        b = Socket(await open_socket(f"{server.url}?pair={i}"))
        return a, b

    return await gather_limited([partial(one, i) for i in range(n)], limit=32)


async def hub_pairs(
    server: Server,
    identity: IdentityService,
    world: BenchWorld,
    n: int,
) -> list[tuple[Socket, Socket]]:
    """For each pair a tablet starts a call and its own nurse accepts it."""
    nurses, tablets = world.take_nurses(n), world.take_tablets(n)

    async def one(i: int) -> tuple[Socket, Socket]:
        tablet = await open_tablet(server.url, tablets[i])
        nurse = await open_nurse(server.url, identity, nurses[i])
        call = await tablet.command("call/start", client_call_id=f"bench-{i}", **CALL)
        connected = await nurse.command("call/accept", call_id=call["id"])
        if connected["state"] != "connected":
            raise BenchError(f"call {call['id']} is {connected['state']}, not connected")
        tablet.call_id = nurse.call_id = call["id"]
        tablet.to, nurse.to = nurse.key, tablet.key
        # As in a real call, an offer and an answer come before the trickled candidates;
        # the first signal of a call reads its roster from the database, the rest hit the
        # cache. (The relayed offer and answer wait in the sockets; the readers skip them.)
        await nurse.command("signal/offer", call_id=call["id"], to=tablet.key, sdp=SDP)
        await tablet.command("signal/answer", call_id=call["id"], to=nurse.key, sdp=SDP)
        return tablet, nurse

    return await gather_limited([partial(one, i) for i in range(n)], limit=16)


# -- the measurements ---------------------------------------------------------------------
@dataclass
class IdleResult:
    sockets: int
    rss_before_kib: int
    rss_after_kib: int
    connect_seconds: float
    consoles: int
    fanout_ms: list[float] = field(default_factory=list)

    @property
    def per_connection_kib(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / self.sockets

    def fanout(self, q: float) -> float:
        ordered = sorted(self.fanout_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class QueueWatcher:
    """A nurse console subscribed to the queue, noting when each queue event arrived."""

    def __init__(self, sock: Socket) -> None:
        self.sock = sock
        self.seen: list[tuple[float, str]] = []
        sock.ws.hand_text_to(self.on_text)

    def on_text(self, data: str) -> None:
        if '"kind":"queue"' in data:
            self.seen.append((time.perf_counter(), data))

    def first_with(self, text: str) -> float | None:
        return next((t for t, data in self.seen if text in data), None)


def all_saw(watchers: list[QueueWatcher], call_id: str) -> bool:
    return all(w.first_with(call_id) for w in watchers)


def all_moved_on(watchers: list[QueueWatcher], call_id: str) -> bool:
    """Every console's latest queue event no longer holds the call."""
    return all(w.seen and call_id not in w.seen[-1][1] for w in watchers)


async def idle_and_fanout(
    server: Server,
    identity: IdentityService,
    world: BenchWorld,
    *,
    idle: int,
    consoles: int,
    repeats: int,
) -> IdleResult:
    # Warm the server's code paths (imports, caches, pools) before the baseline.
    warm = [await open_tablet(server.url, t) for t in world.take_tablets(5)]
    await close_all(warm)
    await settle(server.pid)
    before = rss_kib(server.pid)
    started = time.perf_counter()
    tablets = world.take_tablets(idle)

    async def open_idle(tablet: Tablet) -> Socket:
        sock = await open_tablet(server.url, tablet)
        sock.ws.ignore_text()  # pings are still answered, from the start
        return sock

    sockets: list[Socket] = await gather_limited([partial(open_idle, t) for t in tablets], limit=64)
    connect_seconds = time.perf_counter() - started
    await settle(server.pid)
    await asyncio.sleep(1.0)
    after = rss_kib(server.pid)
    result = IdleResult(idle, before, after, connect_seconds, consoles)
    console.print(
        f"  {idle} idle tablets in {connect_seconds:.1f}s; server RSS {before / 1024:.1f} -> "
        f"{after / 1024:.1f} MiB ({result.per_connection_kib:.1f} KiB each)"
    )

    watchers = []
    for nurse in world.take_nurses(consoles):
        sock = await open_nurse(server.url, identity, nurse)
        await sock.command("queue/subscribe")
        watchers.append(QueueWatcher(sock))
    caller = await open_tablet(server.url, world.take_tablets(1)[0])
    await settle(server.pid)
    for i in range(repeats):
        for w in watchers:
            w.seen.clear()
        sent = time.perf_counter()
        call = await caller.command("call/start", client_call_id=f"fanout-{i}", **CALL)
        call_id = call["id"]
        if not await wait_until(partial(all_saw, watchers, call_id), 10):
            raise BenchError(f"not every console saw call {call_id} within 10 s")
        last = max(w.first_with(call_id) or 0.0 for w in watchers)
        result.fanout_ms.append((last - sent) * 1000)
        await caller.command("call/cancel", call_id=call_id)
        await wait_until(partial(all_moved_on, watchers, call_id), 10)
        await asyncio.sleep(0.02)
    await close_all([caller, *(w.sock for w in watchers), *sockets])
    return result


# -- reporting ----------------------------------------------------------------------------
def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{model}, {os.cpu_count()} cores{memory}; Linux {platform.release()}; "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def problems(run: RunResult) -> str:
    parts = [f"{code} {n}" for code, n in sorted(run.errors.items())]
    if run.lost:
        parts.append(f"no answer within 2 s: {run.lost}")
    parts += [f"closed by server ({code}) {n}" for code, n in sorted(run.closed.items())]
    return ", ".join(parts) or "none"


@dataclass
class Report:
    when: datetime
    args: argparse.Namespace
    bare: dict[int, RunResult]
    hub: dict[int, RunResult]
    idle: IdleResult | None
    load_before: float
    load_after: float = 0.0

    def relay_rows(self) -> list[list[str]]:
        rows = []
        for n in sorted(self.bare):
            for name, run in (("bare aiohttp relay", self.bare[n]), ("hub", self.hub[n])):
                rows.append(
                    [
                        name,
                        str(n),
                        f"{run.rate:,.0f}",
                        ms(run.percentile(0.5)),
                        ms(run.percentile(0.99)),
                        f"{run.server_cpu:.0%}",
                        f"{run.server_us_per_message:.0f}",
                        f"{run.loadgen_cpu:.0%}",
                        f"{run.others_cpu:.2f}",
                        problems(run),
                    ]
                )
        return rows

    def ratio_rows(self) -> list[list[str]]:
        rows = []
        for n in sorted(self.bare):
            bare, hub = self.bare[n], self.hub[n]
            throughput = hub.rate / bare.rate
            p99 = hub.percentile(0.99) / bare.percentile(0.99)
            rows.append(
                [
                    str(n),
                    f"{throughput:.2f}",
                    verdict(throughput >= THROUGHPUT_TARGET),
                    f"{p99:.2f}",
                    verdict(p99 <= P99_TARGET),
                ]
            )
        return rows

    def idle_rows(self) -> list[list[str]]:
        idle = self.idle
        if idle is None:
            return []
        return [
            [
                f"resident memory per idle authenticated tablet socket ({idle.sockets:,})",
                f"{idle.per_connection_kib:.1f} KiB",
                f"< {RSS_TARGET_KIB:.0f} KiB",
                verdict(idle.per_connection_kib < RSS_TARGET_KIB),
            ],
            [
                f"call/start to the last of {idle.consoles} consoles seeing it, p50",
                f"{idle.fanout(0.5):.1f} ms",
                "",
                "",
            ],
            [
                f"... p99 ({len(idle.fanout_ms)} calls; max {max(idle.fanout_ms):.1f} ms)",
                f"{idle.fanout(0.99):.1f} ms",
                f"< {FANOUT_TARGET_MS:.0f} ms",
                verdict(idle.fanout(0.99) < FANOUT_TARGET_MS),
            ],
        ]

    def print(self) -> None:
        relay = Table(title="Signalling relay: closed loop, one candidate in flight per pair")
        for column in RELAY_COLUMNS:
            relay.add_column(column)
        for row in self.relay_rows():
            relay.add_row(*row)
        console.print(relay)
        ratios = Table(title="Hub / bare")
        for column in ("pairs", "throughput", f">= {THROUGHPUT_TARGET}", "p99", f"<= {P99_TARGET}"):
            ratios.add_column(column)
        for row in self.ratio_rows():
            ratios.add_row(*row)
        console.print(ratios)
        if self.idle is not None:
            idle = Table(title="Idle sockets and queue fan-out")
            for column in ("measure", "value", "target", ""):
                idle.add_column(column)
            for row in self.idle_rows():
                idle.add_row(*row)
            console.print(idle)

    def contention_warning(self) -> list[str]:
        """Say so when other work on the machine starved the servers during the run."""
        runs = [*self.bare.values(), *self.hub.values()]
        busiest = max((r.others_cpu for r in runs), default=0.0)
        if busiest < 0.25:
            return []
        return [
            "",
            f"**Not representative:** other processes used up to {busiest:.2f} cores "
            "while this ran, so neither server had a core to itself (see 'server CPU'). "
            "Throughput and round trips mostly measure the scheduler; 'server µs/msg' (server "
            "CPU per relayed message) is the figure to compare. Run again on a quiet machine.",
        ]

    def markdown(self) -> str:
        def table(header: list[str], rows: list[list[str]]) -> list[str]:
            lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            return lines + ["| " + " | ".join(row) + " |" for row in rows]

        args = self.args
        kind = "`--quick` run" if args.quick else "full run"
        lines = [
            SECTION,
            "",
            f"Measured by `make bench-signalling` ({kind}) on "
            f"{self.when:%Y-%m-%d %H:%M} UTC, on {machine()}.",
            "",
            "Method: each server runs in its own process pinned to core 0; the load generator "
            "(`benchmarks/loadgen.py`) runs in one process pinned to core 1, on a lean websocket "
            "client of its own (`benchmarks/frames.py`: each frame handled as it arrives, "
            "pings answered at once); loopback only. "
            "Each pair relays a trickle-ICE `signal/candidate` frame from A to B and B sends it "
            "straight back (closed loop, one candidate in flight per pair); the frames are "
            "byte for byte the same for both servers. The bare relay forwards frames between "
            "paired sockets with no auth, validation or parsing. The hub is `create_app` on a "
            "temporary SQLite database: for each pair an enrolled tablet starts a call and its "
            "own nurse (signed in with a ticket) accepts it, and the two exchange an offer and "
            "an answer before the measured candidates, as in a real call; the hub validates "
            "each frame, checks the call's roster, relays a `signal` event and answers with a "
            "`result`; its per-socket command budget (`HUB_COMMAND_RATE_PER_SECOND`) is checked "
            "on every frame but set out of reach, as a pair here sends far more than any tablet. "
            "Both servers freeze their start-up objects out of the garbage collector's full "
            "scans once up, as `telehub serve` does, and the load generator does the same once "
            "its sockets are set up. "
            f"Each size is measured in {args.rounds} rounds of {args.seconds:.0f} s (after "
            f"{args.warmup:.0f} s of warm-up), alternating bare and hub, both servers idle but "
            "up throughout; the figures pool the rounds. Messages/s counts relayed frames "
            "received; a round trip is two relays. CPU is the share of one core each process "
            "used in the measured windows; 'others' is what every other process on the machine "
            f"used meanwhile, in cores (load average {self.load_before:.2f} before the run, "
            f"{self.load_after:.2f} after).",
            *self.contention_warning(),
            "",
            *table(RELAY_COLUMNS, self.relay_rows()),
            "",
            *table(
                [
                    "pairs",
                    "hub/bare throughput",
                    f"target >= {THROUGHPUT_TARGET}",
                    "hub/bare p99",
                    f"target <= {P99_TARGET}",
                ],
                self.ratio_rows(),
            ),
        ]
        if self.idle is not None:
            idle = self.idle
            lines += [
                "",
                f"Idle sockets: a fresh hub process; {idle.sockets:,} enrolled tablets "
                "authenticate and stay idle (server RSS from /proc, "
                f"{idle.rss_before_kib / 1024:.1f} MiB before, "
                f"{idle.rss_after_kib / 1024:.1f} MiB after; connecting took "
                f"{idle.connect_seconds:.1f} s). Then {idle.consoles} nurse consoles subscribe "
                "to the queue and a tablet starts (and cancels) a call "
                f"{len(idle.fanout_ms)} times, timed from `call/start` sent to the queue event "
                "reaching the last console, with the idle tablets still connected.",
                "",
                *table(["measure", "value", "target", ""], self.idle_rows()),
            ]
        return "\n".join(lines) + "\n"


def record(report: Report, doc: Path) -> None:
    """Replace (or add) this file's "## Signalling" section; leave every other section."""
    replace_section(doc, SECTION, report.markdown())


# -- the run ------------------------------------------------------------------------------
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
