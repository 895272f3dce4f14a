"""The servers under test in ``make bench-signalling``: each a process of its own, pinned
to the server core, that prints a line of JSON with its port when it is up and stops when
its stdin closes (``benchmarks/bare_relay.py``, ``benchmarks/hub_server.py``)."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .loadgen import BenchError

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE, LOADGEN_CORE = 0, 1


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
