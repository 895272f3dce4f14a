"""The report of ``make bench-signalling``: the tables it prints, the verdicts against
the targets (ratios to the bare relay measured in the same run) and the "## Signalling"
section it writes to ``docs/performance.md``."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from rich.console import Console
from rich.table import Table

from .docs import replace_section
from .loadgen import RunResult
from .signalling_servers import ROOT

if TYPE_CHECKING:
    from .signalling_fanout import IdleResult

DOC = ROOT / "docs" / "performance.md"
SECTION = "## Signalling"
THROUGHPUT_TARGET, P99_TARGET = 0.7, 1.5
RSS_TARGET_KIB, FANOUT_TARGET_MS = 100.0, 100.0
console = Console(width=150)
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
