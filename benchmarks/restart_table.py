"""``make bench-restart``'s table: each measure's median, p95 and max against its target, and
a note per restart (start-up, downtime, and whose CPU was spent)."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

from support.faults import p95

HEADING = "## Restarts and failover"


@dataclass
class Figures:
    name: str
    clients: int
    seconds: list[float]
    target: float | None = None

    def row(self) -> str:
        if not self.seconds:
            return f"| {self.name} | {self.clients} | none came back | | | |"
        median = statistics.median(self.seconds)
        worst = p95(self.seconds)
        verdict = "" if self.target is None else ("met" if worst < self.target else "not met")
        target = "" if self.target is None else f"p95 < {self.target:g} s"
        return (
            f"| {self.name} | {self.clients} | {median:.2f} s | {worst:.2f} s "
            f"| {max(self.seconds):.2f} s | {target} {verdict} |"
        )


def section(
    figures: list[Figures], extras: list[dict[str, float]], before: str, after: str, pinned: str
) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = "\n".join(f.row() for f in figures)
    return f"""{HEADING}

`make bench-restart` (`benchmarks/bench_restart.py`), {stamp}, on {os.cpu_count()} CPUs,
{pinned}; load average {before} before and {after} after (1 / 5 / 15 min). The machine is
shared with other engineers' test runs. Real `telehub serve` processes on PostgreSQL and a Redis
of the run's own; clients are `telehub_client` connections on their own reconnection
schedule (`reconnect_wait`), all in one process. Two restarts: the clients in calls alone (the
20-client target), then with the idle tablets (a deploy: the 2,000-tablet target).
Re-registration is timed from the restarted hub being ready (its first `/readyz` 200, seen
by a process of its own that does nothing else, or the first client's `auth_ok` if that
came sooner) to each client's `auth_ok`; failover from the kill to
each moved client's `auth_ok` through nginx. The floor is the same clients' first
registration, all at once, on the warm hub before the kill, each from the start to its own
`auth_ok`.

| measure | clients | median | p95 | max | target |
|---|---|---|---|---|---|
{rows}

{"".join(restart_note(extra) for extra in extras)}"""


def restart_note(extra: dict[str, float]) -> str:
    return (
        f"- {extra['clients']:.0f} clients: `telehub serve` start-up, spawn to `/readyz` 200, "
        f"{extra['first_start_s']:.1f} s the first time and {extra['restart_start_s']:.1f} s "
        f"after the kill (seen from a process of its own; this process saw it "
        f"{extra['readyz_late_s']:.1f} s later); down (kill to ready) {extra['down_s']:.1f} s; "
        f"spawn to the last client back {extra['spawn_to_all_back_s']:.1f} s. CPU from the "
        f"respawn to the last client back: the hub {extra['hub_cpu_s']:.1f} s (its start-up "
        f"included), the load generator {extra['generator_cpu_s']:.1f} s.\n"
    )
