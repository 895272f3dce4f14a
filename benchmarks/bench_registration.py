"""Hub CPU per registration (``make bench-registration``): what one socket's auth phase
costs the hub process, as process CPU time (``/proc/<pid>/stat``), not wall time, so the
figure survives a loaded machine.

Real ``telehub serve`` processes (the fault suite's ``support.faults.HubProcess``) on the
PostgreSQL at ``--pg`` (a schema of the run's own, dropped at the end) and a redis-server of
the run's own. ``--count`` idle enrolled tablets (credential auth) and ``--count`` nurses
(a ticket each, issued by this process beforehand so issuing is not counted) register,
``--concurrency`` at a time, and stay open until all have; the hub's CPU over that span
divided by the count is the figure. The floor, in the same run and on the same database:
the same registrations on a hub running the code at ``--base`` (default ``main``, taken with
``git archive`` into a temporary directory, never a worktree). Rounds alternate base and
this tree so that drift in the machine's load falls on both.

    python benchmarks/bench_registration.py --count 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.bench_restart import ONE_ADDRESS, _credentials  # noqa: E402
from benchmarks.deployment import deployment, load_average  # noqa: E402
from benchmarks.docs import DOC, asked, replace_section  # noqa: E402
from benchmarks.probes import cpu_seconds  # noqa: E402
from benchmarks.serving import raise_fd_limit  # noqa: E402
from hub.auth.principal import Principal  # noqa: E402
from hub.auth.sessions import user_principal  # noqa: E402
from support.faults import HubProcess, add_nurses, identity_for  # noqa: E402
from telehub_client import HubConnection  # noqa: E402

HEADING = "### Hub CPU per registration"
Auth = Callable[[], Awaitable[dict[str, Any]]]


def _base_tree(ref: str, into: Path) -> Path:
    """The code at ``ref`` in a plain directory (``git archive``): the hub runs from it."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "hub", "schemas"],
        check=True,
        capture_output=True,
    ).stdout
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


async def _cpu_per_registration(pid: int, auths: list[Auth], url: str, concurrency: int) -> float:
    """The hub's CPU ms per registration for these clients, all kept open until the last."""
    gate = asyncio.Semaphore(concurrency)
    opened: list[HubConnection] = []

    async def one(auth: Auth) -> None:
        async with gate:
            conn = HubConnection(url, auth)
            await conn.connect()
            opened.append(conn)

    before = cpu_seconds(pid)
    await asyncio.gather(*(one(a) for a in auths))
    spent = cpu_seconds(pid) - before
    await asyncio.gather(*(c.close() for c in opened))
    return spent * 1000 / len(auths)


def _tablet_auths(credentials: list[str]) -> list[Auth]:
    def auth_for(credential: str) -> Auth:
        async def auth() -> dict[str, Any]:
            return {"type": "auth", "credential": credential}

        return auth

    return [auth_for(c) for c in credentials]


async def _nurse_auths(identity: Any, principals: list[Principal]) -> list[Auth]:
    """One ticket each, issued now (by this process) so the hub's figure excludes issuing."""
    tickets = [(await identity.issue_ticket(p))[0] for p in principals]

    def auth_for(ticket: str) -> Auth:
        async def auth() -> dict[str, Any]:
            return {"type": "auth", "ticket": ticket}

        return auth

    return [auth_for(t) for t in tickets]


async def main(args: argparse.Namespace) -> None:
    raise_fd_limit()
    load_before = load_average()
    figures: dict[tuple[str, str], list[float]] = {}
    async with deployment(args.pg, "bench-registration-") as deployed:
        db, settings, workdir = deployed.db, deployed.settings, deployed.workdir
        trees = {args.base: _base_tree(args.base, workdir / "base"), "this tree": ROOT}
        identity = identity_for(db, settings)
        credentials = await _credentials(identity, args.count, "bench")
        nurses = [user_principal(u) for u in await add_nurses(db, deployed.world, args.count, "b")]
        for round_ in range(args.rounds):
            for label, tree in trees.items():
                env = {**ONE_ADDRESS, "PYTHONPATH": str(tree)}
                hub = HubProcess(settings, workdir, f"{round_}-{label[:4]}", **env)
                await hub.start(within=120)
                assert hub.process is not None
                url, pid = f"ws://127.0.0.1:{hub.port}/ws", hub.process.pid
                try:  # a warm-up: the first registrations compile and cache statements
                    await _cpu_per_registration(pid, _tablet_auths(credentials[:20]), url, 20)
                    tablets = _tablet_auths(credentials)
                    cpu = await _cpu_per_registration(pid, tablets, url, args.concurrency)
                    figures.setdefault((label, "idle tablet"), []).append(cpu)
                    staff = await _nurse_auths(identity, nurses)
                    cpu = await _cpu_per_registration(pid, staff, url, args.concurrency)
                    figures.setdefault((label, "nurse, no call"), []).append(cpu)
                finally:
                    await hub.kill()
    section = _section(figures, args, load_before, load_average())
    print(section)
    if asked():
        replace_section(DOC, HEADING, section)
        print(f"wrote {DOC}")


def _section(
    figures: dict[tuple[str, str], list[float]], args: argparse.Namespace, before: str, after: str
) -> str:
    base, kinds = args.base, ["idle tablet", "nurse, no call"]
    lines = [
        HEADING,
        "",
        f"`make bench-registration` (`--count {args.count} --concurrency {args.concurrency}"
        f" --rounds {args.rounds}`): hub process CPU (user + system) per registration, the "
        f"median of the rounds; the floor is the code at `{base}` in the same run. Load "
        f"(`uptime`, 1/5/15 min) before {before}, after {after}.",
        "",
        f"| registration | `{base}` CPU ms | this tree CPU ms | this / `{base}` |",
        "|---|---:|---:|---:|",
    ]
    for kind in kinds:
        floor = statistics.median(figures[(base, kind)])
        now = statistics.median(figures[("this tree", kind)])
        lines.append(f"| {kind} | {floor:.2f} | {now:.2f} | {now / floor:.2f} |")
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("HUB_TEST_DATABASE_URL", ""))
    parser.add_argument("--count", type=int, default=300, help="tablets, and nurses")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", default="main", help="the git ref measured as the floor")
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("--pg (or HUB_TEST_DATABASE_URL) names the PostgreSQL to use")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
