"""The idle-socket and queue fan-out measurement of ``make bench-signalling``: the hub's
resident memory per idle authenticated tablet, and the time from a ``call/start`` to the
last nurse console seeing the call in a queue event."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial

from hub.auth.service import IdentityService

from .loadgen import BenchError, Socket, close_all, gather_limited, rss_kib, settle, wait_until
from .signalling_pairs import CALL, open_nurse, open_tablet
from .signalling_report import console
from .signalling_servers import Server
from .world import BenchWorld, Tablet


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
