"""What a benchmark measures from outside its own (busy) process.

A load generator with 2,000 clients retrying is itself saturated while the hub restarts, so
a ``/readyz`` poll from inside it sees the hub ready late (its own event loop is behind),
and every figure timed from "ready" reads short. ``ReadyProbe`` polls from a process of its
own, which does nothing else; ``cpu_seconds`` reads a process's CPU time, so a table can
say whether the hub or the load generator was the busy one.
"""

from __future__ import annotations

import asyncio
import os
import sys

_POLL = """
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/readyz"
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    time.sleep(0.02)  # a process starting: nothing to wait on but its port
print(time.monotonic(), flush=True)
"""


class ReadyProbe:
    """Polls a hub's ``/readyz`` from its own process; ``ready_at`` is the monotonic time
    (one clock for every process on the machine) of its first 200."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _POLL, str(self.port), stdout=asyncio.subprocess.PIPE
        )

    async def ready_at(self, within: float) -> float:
        assert self._process is not None and self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), within)
        await self._process.wait()
        return float(line)

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
