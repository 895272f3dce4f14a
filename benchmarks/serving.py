"""Running a server under test: one core, many sockets, loopback only, and a bounded life.

The server prints one JSON line ``{"port": ..., "pid": ...}`` once it listens, and stops
when its standard input closes (the benchmark ended or died), on SIGTERM, or after
``max_seconds`` whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import sys

from aiohttp import web

from hub.heap import freeze_long_lived

HOST = "127.0.0.1"


def pin_to_core(core: int | None) -> None:
    if core is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})


def raise_fd_limit(wanted: int = 20_000) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def serve(app: web.Application, *, max_seconds: float) -> None:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    freeze_long_lived()  # as `telehub serve` does once the hub is up
    site = web.TCPSite(runner, HOST, 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port, "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_reader(sys.stdin.fileno(), _stop_on_eof, stop)
    try:
        await asyncio.wait_for(stop.wait(), max_seconds)
    except TimeoutError:
        print("server: maximum lifetime reached, stopping", file=sys.stderr, flush=True)
    finally:
        loop.remove_reader(sys.stdin.fileno())
        await runner.cleanup()


def _stop_on_eof(stop: asyncio.Event) -> None:
    if not os.read(sys.stdin.fileno(), 4096):
        stop.set()
