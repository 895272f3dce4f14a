"""The one load generator, for the bare relay and for the hub alike.

Each pair is two websockets, A and B. A sends a trickle-ICE ``signal/candidate`` frame to
B; as soon as B receives it, B sends the same candidate back; A times the round trip and
sends the next one (a closed loop with ``window`` candidates in flight per pair). The
frames are byte for byte the same for both targets: the bare relay forwards them as they
are, the hub validates them, checks the call's roster and relays them as ``signal`` events
(and answers each command with a ``result`` frame, which the generator reads and counts).

The generator handles every frame in a callback as it arrives (``frames.py``, no task per
frame) and avoids parsing JSON on the hot path (it finds the sequence number inside the
candidate string), so that it, not the server, stays the lighter side of the two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .frames import FrameSocket

CANDIDATE = (
    '{"type":"signal/candidate","id":%d,"call_id":"%s","to":"%s","candidate":'
    '{"candidate":"candidate:%d 1 udp 1677729535 192.0.2.10 54321 typ srflx raddr 10.0.0.5 '
    'rport 54321 generation 0 ufrag Xy3k network-cost 999","sdpMid":"0","sdpMLineIndex":0,'
    '"usernameFragment":"Xy3k"}}'
)
SEQ_MARK = '"candidate:'
RESULT_PREFIX = '{"type":"result"'
ERROR_PREFIX = '{"type":"error"'
LOST_AFTER = 2.0  # seconds without an answer before a round trip counts as lost


class BenchError(Exception):
    pass


def _seq_of(data: str) -> int:
    start = data.find(SEQ_MARK)
    if start < 0:
        return -1
    start += len(SEQ_MARK)
    end = data.find(" ", start)
    try:
        return int(data[start:end])
    except ValueError:
        return -1


@dataclass
class Socket:
    """One side of a pair: its websocket, its next command id and where it sends to."""

    ws: FrameSocket
    key: str = ""
    call_id: str = "bench"
    to: str = "device:0"
    last_id: int = 0

    def candidate(self, seq: int) -> str:
        self.last_id += 1
        return CANDIDATE % (self.last_id, self.call_id, self.to, seq)

    async def command(self, type_: str, **fields: Any) -> Any:
        """A hub command during set-up: send, then read until its reply (events dropped)."""
        self.last_id += 1
        command_id = self.last_id
        self.ws.send_text(json.dumps({"type": type_, "id": command_id, **fields}))
        while True:
            try:
                frame = json.loads(await self.ws.receive_text(within=60))
            except ConnectionError as exc:
                raise BenchError(f"{self.key}: socket ended during {type_}: {exc}") from None
            if frame.get("type") in ("result", "error") and frame.get("id") == command_id:
                if frame["type"] == "error":
                    raise BenchError(f"{type_} failed: {frame['error']}")
                return frame["result"]


@dataclass
class Stats:
    t0: float = 0.0
    t1: float = float("inf")
    rtts: list[float] = field(default_factory=list)
    relayed: int = 0
    results: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    closed: dict[str, int] = field(default_factory=dict)  # sockets the server closed, by code

    def in_window(self, t: float) -> bool:
        return self.t0 <= t < self.t1


class Pair:
    """A closed loop over two sockets, driven from their frame callbacks (no tasks)."""

    def __init__(self, a: Socket, b: Socket, stats: Stats, window: int) -> None:
        self.a, self.b, self.stats, self.window = a, b, stats, window
        self.outstanding: dict[int, float] = {}
        self.next_seq = 0
        self.running = False
        self.gone = False  # the server closed one of the pair's sockets
        # From here the frames are ours; set-up's leftovers (the relayed offer and answer) go.
        a.ws.hand_text_to(self.on_a)
        b.ws.hand_text_to(self.on_b)

    def _ping(self) -> None:
        if self.a.ws.closed or self.b.ws.closed:
            self._note_closed()
            return
        self.next_seq += 1
        self.outstanding[self.next_seq] = time.perf_counter()
        try:
            self.a.ws.send_text(self.a.candidate(self.next_seq))
        except ConnectionError:  # the server closed it; counted, and the pair stops
            self.outstanding.pop(self.next_seq, None)
            self._note_closed()

    def _note_closed(self) -> None:
        if not self.gone:
            self.gone = True
            for sock in (self.a, self.b):
                if sock.ws.closed:
                    code = str(sock.ws.close_code)
                    self.stats.closed[code] = self.stats.closed.get(code, 0) + 1

    def start(self) -> None:
        self.running = True
        for _ in range(self.window):
            self._ping()

    def on_a(self, data: str) -> None:
        stats = self.stats  # a new Stats each measured round
        if _counted_reply(stats, data):
            return
        sent = self.outstanding.pop(_seq_of(data), None)
        if sent is None:
            return  # another event, or an answer that came after we gave up on it
        now = time.perf_counter()
        if stats.in_window(now):
            stats.relayed += 1
        if stats.in_window(sent):
            stats.rtts.append(now - sent)
        if self.running:
            self._ping()

    def on_b(self, data: str) -> None:
        stats = self.stats
        if _counted_reply(stats, data):
            return
        seq = _seq_of(data)
        if seq < 0:
            return
        if stats.in_window(time.perf_counter()):
            stats.relayed += 1
        try:
            self.b.ws.send_text(self.b.candidate(seq))
        except ConnectionError:
            self._note_closed()

    def resend_lost(self) -> None:
        """A round trip with no answer after LOST_AFTER seconds is counted lost and replaced."""
        now = time.perf_counter()
        for seq, sent in list(self.outstanding.items()):
            if now - sent > LOST_AFTER:
                del self.outstanding[seq]
                self.stats.lost += 1
                if self.running:
                    self._ping()


def _counted_reply(stats: Stats, data: str) -> bool:
    """Count the hub's reply to a command (a ``result`` or an ``error``); False for anything
    else, which is relayed signalling."""
    if data.startswith(RESULT_PREFIX):
        stats.results += 1
        return True
    if data.startswith(ERROR_PREFIX):
        _count_error(stats, data)
        return True
    return False


def _count_error(stats: Stats, data: str) -> None:
    try:
        code = str(json.loads(data)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        code = "unreadable"
    stats.errors[code] = stats.errors.get(code, 0) + 1


@dataclass
class CpuSample:
    """CPU seconds used by the server process and by this (the load generator) process."""

    server: float
    loadgen: float
    machine: float  # every process on the machine, ours included
    wall: float


def cpu_now(server_pid: int) -> CpuSample:
    ticks = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{server_pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    server = (int(fields[11]) + int(fields[12])) / ticks
    with open("/proc/stat") as f:
        total = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy is all but idle and iowait
    machine = (sum(total[:8]) - total[3] - total[4]) / ticks
    return CpuSample(server, time.process_time(), machine, time.perf_counter())


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


async def settle(server_pid: int, *, idle_below: float = 0.05, within: float = 60.0) -> None:
    """Wait until the server has finished the work left over by the previous step."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        before = cpu_now(server_pid)
        await asyncio.sleep(0.5)
        after = cpu_now(server_pid)
        if (after.server - before.server) / (after.wall - before.wall) < idle_below:
            return


@dataclass
class RunResult:
    pairs: int
    seconds: float
    relayed: int
    rtts: list[float]
    results: int
    errors: dict[str, int]
    lost: int
    closed: dict[str, int]
    server_cpu: float  # fraction of one core over the measured window
    loadgen_cpu: float
    others_cpu: float  # what every other process on the machine used meanwhile, in cores

    @property
    def rate(self) -> float:
        return self.relayed / self.seconds

    @property
    def server_us_per_message(self) -> float:
        """Server CPU per relayed message: a figure other load on the machine barely moves."""
        return self.server_cpu * self.seconds / self.relayed * 1e6 if self.relayed else 0.0

    def percentile(self, q: float) -> float:
        if not self.rtts:
            return float("nan")
        ordered = sorted(self.rtts)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class PairSet:
    """Pairs that handle their frames for as long as they are open, measured in rounds."""

    def __init__(self, pairs: list[tuple[Socket, Socket]], *, window: int = 1) -> None:
        self.pairs = pairs
        self.stats = Stats(t0=float("inf"))
        self.runners = [Pair(a, b, self.stats, window) for a, b in pairs]

    async def measure(self, *, server_pid: int, warmup: float, seconds: float) -> RunResult:
        """Run every pair in a closed loop: warm up, measure for ``seconds``, then stop."""
        stats = self.stats = Stats()
        stats.t0 = time.perf_counter() + warmup
        stats.t1 = stats.t0 + seconds
        for runner in self.runners:
            runner.stats = stats
            runner.start()

        async def watchdog() -> None:
            while True:
                await asyncio.sleep(0.5)
                for runner in self.runners:
                    runner.resend_lost()

        guard = asyncio.create_task(watchdog())
        # The generator polls instead of sleeping between frames. On loopback a send to a
        # sleeping process wakes it from inside the sender's system call, so a sleeping
        # generator billed each server for waking it on every frame, the hub twice per relay
        # (its `result` too): 44-50 µs a relayed message against 49-68 µs, alternating, at
        # 500 pairs. A server sending to devices across a network pays no such cost.
        poller = asyncio.create_task(_poll())
        await asyncio.sleep(max(0.0, stats.t0 - time.perf_counter()))
        begin = cpu_now(server_pid)
        await asyncio.sleep(max(0.0, stats.t1 - time.perf_counter()))
        end = cpu_now(server_pid)
        for runner in self.runners:
            runner.running = False
        for task in (guard, poller):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await wait_until(lambda: not any(r.outstanding for r in self.runners), LOST_AFTER)
        for runner in self.runners:  # whatever is still out is late, not lost: forget it
            runner.outstanding.clear()
        wall = end.wall - begin.wall
        return RunResult(
            pairs=len(self.pairs),
            seconds=wall,
            relayed=stats.relayed,
            rtts=stats.rtts,
            results=stats.results,
            errors=stats.errors,
            lost=stats.lost,
            closed=stats.closed,
            server_cpu=(end.server - begin.server) / wall,
            loadgen_cpu=(end.loadgen - begin.loadgen) / wall,
            others_cpu=max(
                0.0,
                (end.machine - begin.machine) / wall
                - (end.server - begin.server) / wall
                - (end.loadgen - begin.loadgen) / wall,
            ),
        )

    async def close(self) -> None:
        await close_all([s for pair in self.pairs for s in pair])


async def _poll() -> None:
    """Keep the event loop from ever sleeping in its selector."""
    while True:  # noqa: ASYNC110 (a busy loop on purpose: there is no event to wait for)
        await asyncio.sleep(0)


def combine(runs: list[RunResult]) -> RunResult:
    """Rounds of one target and size as one result: all their messages, time and samples."""
    seconds = sum(r.seconds for r in runs)
    errors: dict[str, int] = {}
    closed: dict[str, int] = {}
    for r in runs:
        for code, n in r.errors.items():
            errors[code] = errors.get(code, 0) + n
        for code, n in r.closed.items():
            closed[code] = closed.get(code, 0) + n
    return RunResult(
        pairs=runs[0].pairs,
        seconds=seconds,
        relayed=sum(r.relayed for r in runs),
        rtts=[t for r in runs for t in r.rtts],
        results=sum(r.results for r in runs),
        errors=errors,
        lost=sum(r.lost for r in runs),
        closed=closed,
        server_cpu=sum(r.server_cpu * r.seconds for r in runs) / seconds,
        loadgen_cpu=sum(r.loadgen_cpu * r.seconds for r in runs) / seconds,
        others_cpu=sum(r.others_cpu * r.seconds for r in runs) / seconds,
    )


async def wait_until(condition: Callable[[], bool], within: float) -> bool:
    """Poll ``condition`` every 2 ms for up to ``within`` seconds; report whether it held."""
    deadline = time.perf_counter() + within
    while True:
        if condition():
            return True
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.002)


async def close_all(sockets: list[Socket]) -> None:
    async def close(s: Socket) -> None:
        with contextlib.suppress(Exception):
            await s.ws.close(within=5)

    await gather_limited([partial(close, s) for s in sockets], limit=200)


async def gather_limited(jobs: list[Callable[[], Awaitable[Any]]], *, limit: int) -> list[Any]:
    """Run the jobs with at most ``limit`` at a time, in order of their results."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))
