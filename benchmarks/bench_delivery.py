"""Message delivery, send to shown, on one hub process and across two (``make bench-delivery``).

Real ``telehub serve`` processes (the fault suite's ``tests/support/faults.py``) on the
PostgreSQL at ``--pg`` (a schema of the run's own, dropped at the end) and a redis-server of
the run's own on a spare port. ``--tablets`` tablets at Home A each send ``--messages``
messages one after another at ``--rate`` a second (a busy home); ``--tablets`` nurses read
the hub's thread. Send to shown is from the tablet sending a message to the first nurse
showing it (the Python client shows a thread's messages once each, in sequence order).

- **floor**: tablets and nurses on ONE process (the broker still Redis, as deployed).
- **cross-process**: tablets on one process, nurses on another: every message crosses Redis.

The two run alternately, ``--rounds`` times each, in the same run. Also printed: send to
acknowledged (the sender's own round trip, the write committed) and each nurse's
duplicates (a message delivered twice: a catch-up replaying what had already come).

    python benchmarks/bench_delivery.py --pg postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fault suite's helpers (support.faults)

from benchmarks.deployment import Deployment, deployment, load_average  # noqa: E402
from benchmarks.docs import DOC, asked, replace_section  # noqa: E402
from support.faults import (  # noqa: E402
    Client,
    HubProcess,
    Shown,
    add_nurses,
    device_client,
    identity_for,
    p95,
    staff_client,
)
from support.servers import eventually  # noqa: E402

HEADING = "### Cross-process delivery (`make bench-delivery`)"
STEADY_TARGET_P95 = 0.050  # s, cross-process send to shown (issue 16)


@dataclass
class Round:
    name: str
    send_to_shown: list[float] = field(default_factory=list)
    send_to_ack: list[float] = field(default_factory=list)
    ack_to_shown: list[float] = field(default_factory=list)  # negative: shown before the ack
    duplicates: int = 0
    unshown: int = 0


async def _send_steadily(
    client: Client,
    prefix: str,
    count: int,
    rate: float,
    sent: dict[str, float],
    acked: dict[str, float],
) -> None:
    """``count`` messages at ``rate`` a second, each sent when its turn comes (or at once
    after the last was acknowledged, if that took longer)."""
    start = time.monotonic()
    for n in range(count):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # the senders' pace, not synchronisation
        mid = f"{prefix}-{n}"
        sent[mid] = time.monotonic()
        await client.conn.command("message/send", client_message_id=mid, body=f"note {n}")
        acked[mid] = time.monotonic()


async def one_round(
    name: str,
    senders_on: HubProcess,
    readers_on: HubProcess,
    deployed: Deployment,
    args: argparse.Namespace,
) -> Round:
    db, world = deployed.db, deployed.world
    identity = identity_for(db, deployed.settings)
    tag = uuid.uuid4().hex[:6]
    tablets = [
        await device_client(identity, f"ws://127.0.0.1:{senders_on.port}/ws", "VHOMA", f"{tag}-{n}")
        for n in range(args.tablets)
    ]
    nurses = [
        await staff_client(
            identity, f"ws://127.0.0.1:{readers_on.port}/ws", u, resume_messages=True
        )
        for u in await add_nurses(db, world, args.tablets, f"d{tag}")
    ]
    shown = Shown(nurses)
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    result = Round(name)
    await asyncio.gather(
        *(
            _send_steadily(t, f"{tag}-{n}", args.messages, args.rate, sent, acked)
            for n, t in enumerate(tablets)
        )
    )
    with contextlib.suppress(TimeoutError):  # those never shown are counted below
        await eventually(lambda: all(m in shown.at for m in sent), within=10)
    await shown.stop()
    result.send_to_shown = [shown.at[m] - t for m, t in sent.items() if m in shown.at]
    result.send_to_ack = [acked[m] - t for m, t in sent.items()]
    result.ack_to_shown = [shown.at[m] - acked[m] for m in sent if m in shown.at]
    result.unshown = sum(1 for m in sent if m not in shown.at)
    result.duplicates = sum(n.conn.duplicates_suppressed for n in nurses)
    for client in (*tablets, *nurses):
        await client.close()
    return result


def _ms(values: list[float], q: str) -> str:
    if not values:
        return "-"
    value = statistics.median(values) if q == "p50" else p95(values) if q == "p95" else max(values)
    return f"{value * 1000:.1f} ms"


def _section(rounds: list[Round], before: str, after: str, args: argparse.Namespace) -> str:
    floor = [r for r in rounds if r.name == "floor"]
    floor_p95 = p95([v for r in floor for v in r.send_to_shown]) or float("nan")
    rows = []
    for r in rounds:
        ratio = p95(r.send_to_shown) / floor_p95 if r.send_to_shown else float("nan")
        verdict = ""
        if r.name == "cross-process" and r.send_to_shown:
            verdict = "met" if p95(r.send_to_shown) < STEADY_TARGET_P95 else "not met"
        rows.append(
            f"| {r.name} | {len(r.send_to_shown)} | {_ms(r.send_to_ack, 'p50')} "
            f"| {_ms(r.send_to_ack, 'p95')} | {_ms(r.ack_to_shown, 'p50')} "
            f"| {_ms(r.ack_to_shown, 'p95')} | {_ms(r.send_to_shown, 'p50')} "
            f"| {_ms(r.send_to_shown, 'p95')} | {_ms(r.send_to_shown, 'max')} "
            f"| {ratio:.2f} | {r.duplicates} | {r.unshown} | {verdict} |"
        )
    return (
        f"{HEADING}\n\n"
        f"`benchmarks/bench_delivery.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{args.tablets} tablets at Home A each sending {args.messages} messages at "
        f"{args.rate:g} a second, {args.tablets} nurses reading the hub's thread; real "
        "`telehub serve` processes on PostgreSQL and a Redis of the run's own. Load average "
        f"(1 / 5 / 15 min) {before} before and {after} after, on 2 CPUs shared with other "
        "engineers' runs. Floor: the same clients on one process, alternating with the "
        "cross-process rounds in the same run; ratio is each round's send-to-shown p95 over "
        "the floor rounds' p95.\n\n"
        "| round | messages | send to ack p50 | p95 | ack to shown p50 | p95 "
        "| send to shown p50 | p95 | max | p95 / floor | duplicates | not shown "
        "| p95 < 50 ms |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


async def main(args: argparse.Namespace) -> None:
    load_before = load_average()
    rounds: list[Round] = []
    async with deployment(args.pg, "bench-delivery-") as deployed:
        first = HubProcess(deployed.settings, deployed.workdir, "first")
        second = HubProcess(deployed.settings, deployed.workdir, "second")
        try:
            await asyncio.gather(first.start(), second.start())
            for _ in range(args.rounds):
                for name, readers_on in (("floor", first), ("cross-process", second)):
                    done = await one_round(name, first, readers_on, deployed, args)
                    rounds.append(done)
                    print(
                        f"{name}: p50 {_ms(done.send_to_shown, 'p50')}, "
                        f"p95 {_ms(done.send_to_shown, 'p95')}",
                        flush=True,
                    )
        finally:
            await first.kill()
            await second.kill()
    section = _section(rounds, load_before, load_average(), args)
    print(section)
    if asked():
        replace_section(DOC, HEADING, section)
        print(f"wrote {DOC}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL URL (a schema is made in it)")
    parser.add_argument("--tablets", type=int, default=4)
    parser.add_argument("--messages", type=int, default=50, help="per tablet, per round")
    parser.add_argument("--rate", type=float, default=10.0, help="messages a second per tablet")
    parser.add_argument("--rounds", type=int, default=2, help="of each, alternately")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
