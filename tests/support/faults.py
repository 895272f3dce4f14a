"""Real hub processes for the fault suite: ``telehub serve`` as a subprocess on a free port,
killed with -9 or drained with SIGTERM and started again; clients that reconnect on the
clients' own schedule and keep sending messages; and the checks every scenario makes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import select

import hub
from hub.auth.service import IdentityService, user_principal
from hub.clock import SystemClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, Message, User
from schemas.api import DeviceCreate
from schemas.codes import Role
from telehub_client import HubConnection
from telehub_client.connection import CommandFailed, Disconnected

from .calls import CALL

# nginx in front of hub processes is .nginx's; importable from here too, where the fault
# suite's scenarios and the restart benchmark find it.
from .nginx import NGINX_CONF as NGINX_CONF
from .nginx import Nginx as Nginx
from .servers import eventually, free_port
from .world import World, _user

TELEHUB = Path(sys.executable).with_name("telehub")
# The code a spawned hub runs: the checkout this process imported ``hub`` from (a worktree's
# own), not whichever one the shared virtualenv's editable install names.
CHECKOUT = Path(hub.__file__).resolve().parent.parent
VALID_STATES = {"requested", "queued", "ringing", "connected", "on_hold", "wrap_up", "closed",
                "cancelled", "abandoned"}  # fmt: skip


class HubProcess:
    """One ``telehub serve`` on its own port, with its log in the test's directory."""

    def __init__(
        self,
        settings: HubSettings,
        workdir: Path,
        name: str,
        *,
        cpus: set[int] | None = None,
        **env: str,
    ) -> None:
        self.settings = settings
        self.cpus = cpus  # the CPUs it runs on (a benchmark keeps it off the load generator's)
        self.port = free_port()
        self.name = name
        self.log = workdir / f"{name}.log"
        self.env = {
            **os.environ,
            "HUB_ENVIRONMENT": "test",
            "HUB_DATABASE_URL": settings.database_url,
            "HUB_HOST": "127.0.0.1",
            "HUB_PORT": str(self.port),
            "HUB_BROKER_URL": settings.broker_url,
            "PYTHONPATH": str(CHECKOUT),
            **env,
        }
        if settings.database_schema:
            self.env["HUB_DATABASE_SCHEMA"] = settings.database_schema
        self.process: asyncio.subprocess.Process | None = None
        self.ready_at = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, within: float = 60.0) -> float:
        """Start and wait for /readyz; returns the monotonic time it became ready."""
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(TELEHUB),
                "serve",
                "--no-migrate",
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=None if self.cpus is None else self._pin,
            )
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(f"{self.base}/readyz") as response:
                        if response.status == 200:
                            self.ready_at = time.monotonic()
                            return self.ready_at
                await asyncio.sleep(0.05)  # a process starting: nothing to wait on but its port
        raise RuntimeError(f"{self.name} not ready within {within} s")

    def _pin(self) -> None:  # in the child, before exec: every thread it starts inherits it
        assert self.cpus is not None
        os.sched_setaffinity(0, self.cpus)

    async def kill(self) -> None:
        """kill -9: no drain, no cleanup, sockets die with the process."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    def terminate(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    async def exited(self, within: float) -> float:
        """Wait for the process to exit; returns how long it took."""
        assert self.process is not None
        started = time.monotonic()
        await asyncio.wait_for(self.process.wait(), within)
        return time.monotonic() - started


@dataclass
class Client:
    """A tablet or a nurse console that comes back on the client's own schedule."""

    name: str
    conn: HubConnection
    reconnects: list[float] = field(default_factory=list)  # monotonic times of auth_ok
    close_codes: list[int | None] = field(default_factory=list)
    up: asyncio.Event = field(default_factory=asyncio.Event)
    _keeper: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.up.set()

    def keep_connected(self) -> None:
        self._keeper = asyncio.create_task(self._keep(), name=f"keeper {self.name}")

    async def _keep(self) -> None:
        while True:
            await self.conn.lost.wait()
            self.up.clear()
            self.close_codes.append(self.conn.close_code)
            await self.conn.come_back()
            self.reconnects.append(time.monotonic())
            self.up.set()

    async def close(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._keeper
        await self.conn.close()


class Sender:
    """Sends messages one after another, each retried with the same client id until the
    hub acknowledges it: what a tablet does. Records what was acknowledged."""

    def __init__(
        self,
        client: Client,
        prefix: str,
        site_id: int | None = None,
        retry: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.site_id = site_id
        self.retry = retry  # error codes after which the same message is sent again
        self.acked: dict[str, int] = {}  # client_message_id -> seq the hub gave it
        self.sent_at: dict[str, float] = {}  # client_message_id -> first sent (monotonic)
        self.errors: list[str] = []
        self.retried: list[str] = []  # the codes answered to sends that were tried again
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sender {self.prefix}")

    async def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            mid = f"{self.prefix}-{n}"
            self.sent_at[mid] = time.monotonic()
            while not self._stop.is_set():
                try:
                    extra = {"site_id": self.site_id} if self.site_id else {}
                    out = await self.client.conn.command(
                        "message/send", client_message_id=mid, body=f"note {n}", **extra
                    )
                    self.acked[mid] = int(out["site_seq"])
                    break
                except Disconnected:
                    await asyncio.sleep(0)  # let the keeper see the socket has gone
                    await asyncio.wait_for(self.client.up.wait(), 90)
                except CommandFailed as exc:
                    if exc.code in self.retry:
                        self.retried.append(exc.code)
                        await asyncio.sleep(0.2)  # a tablet's pace before trying again
                        continue
                    self.errors.append(exc.code)
                    break
            await asyncio.sleep(0.05)  # the pace of a busy home, not synchronisation

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 30)


class Shown:
    """When each message (by client id) was first shown by any of these readers: a task
    woken by each reader's ``message_arrived``."""

    def __init__(self, readers: list[Client]) -> None:
        self.at: dict[str, float] = {}
        self._tasks = [asyncio.create_task(self._watch(r.conn)) for r in readers]

    async def _watch(self, conn: HubConnection) -> None:
        done = 0
        while True:
            await conn.message_arrived.wait()
            conn.message_arrived.clear()
            now = time.monotonic()
            for seq in conn.shown_order[done:]:
                self.at.setdefault(str(conn.messages[seq]["client_message_id"]), now)
            done = len(conn.shown_order)

    def send_to_shown(
        self,
        senders: list[Sender],
        since: float,
        until: float,
        shown_before: float = float("inf"),
    ) -> list[float]:
        """Send-to-shown, seconds, of the messages first sent between ``since`` and
        ``until`` and shown (before ``shown_before``)."""
        return [
            self.at[mid] - at
            for sender in senders
            for mid, at in sender.sent_at.items()
            if since <= at < until and self.at.get(mid, shown_before) < shown_before
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def device_client(
    identity: IdentityService, url: str, site_ods: str, name: str, **kw: Any
) -> Client:
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods=site_ods, label=name)
    )
    _, credential = await identity.enrol(code)

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    return Client(name, await HubConnection.open(url, auth, **kw))


async def staff_client(identity: IdentityService, url: str, user: User, **kw: Any) -> Client:
    async def auth() -> dict[str, Any]:
        ticket, _ = await identity.issue_ticket(user_principal(user))
        return {"type": "auth", "ticket": ticket}

    return Client(user.username, await HubConnection.open(url, auth, **kw))


async def add_nurses(db: Database, world: World, count: int, prefix: str) -> list[User]:
    nurses = [_user(f"{prefix}.{n}", Role.HUB_NURSE, world.hub) for n in range(count)]
    async with db.session() as s:
        s.add_all(nurses)
    return nurses


def call_for(world: World, n: int) -> dict[str, Any]:
    return {**CALL, "client_call_id": f"f{n}", "person_id": world.home_a.resident.id}


def identity_for(db: Database, settings: HubSettings) -> IdentityService:
    return IdentityService(db, SystemClock(), settings)


async def calls_in_progress(
    db: Database, settings: HubSettings, world: World, url: str, count: int, tag: str
) -> tuple[list[Client], list[Client], list[str]]:
    """``count`` connected calls through ``url``, a new nurse and a new tablet at Home A
    each (the nurses resume their messages), every client kept connected. Returns the
    tablets, the nurses and the calls' ids, in the same order."""
    identity = identity_for(db, settings)
    users = await add_nurses(db, world, count, tag)
    tablets: list[Client] = []
    nurses: list[Client] = []
    call_ids: list[str] = []
    for n, user in enumerate(users):
        tablet = await device_client(identity, url, "VHOMA", f"{tag}-tablet-{n}")
        nurse = await staff_client(identity, url, user, resume_messages=True)
        call = await tablet.conn.command("call/start", **call_for(world, n))
        await nurse.conn.command("call/accept", call_id=call["id"])
        tablets.append(tablet)
        nurses.append(nurse)
        call_ids.append(call["id"])
    for client in (*tablets, *nurses):
        client.keep_connected()
    return tablets, nurses, call_ids


@contextlib.asynccontextmanager
async def sending(senders: list[Sender]) -> AsyncIterator[None]:
    """Every sender sending through the block, and stopped at its end whatever happened."""
    for sender in senders:
        sender.start()
    try:
        yield
    finally:
        for sender in senders:
            await sender.stop()


async def flowing(senders: list[Sender], at_least: int) -> None:
    """Wait until every sender has had ``at_least`` more messages acknowledged than now."""
    counts = [len(s.acked) for s in senders]
    await eventually(
        lambda: all(len(s.acked) >= c + at_least for s, c in zip(senders, counts, strict=True)),
        within=60,
    )


def call_in_state(db: Database, call_id: str, state: str) -> Callable[[], Awaitable[bool]]:
    """A check for ``eventually``: whether the call's row, read afresh, is in ``state``."""

    async def check() -> bool:
        async with db.session() as s:
            row = await s.get(Call, call_id, populate_existing=True)
        return row is not None and row.state == state

    return check


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(scenario: str, **figures: float | int | str) -> None:
    """The scenario's timings, printed for the CI log (pytest -s shows them; -rA too)."""
    parts = ", ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
    )
    print(f"\n[fault] {scenario}: {parts}", flush=True)


async def assert_nothing_lost_or_doubled(
    db: Database, senders: list[Sender], readers: list[Client]
) -> int:
    """Every acknowledged message is in the database once; every reader shows every message
    of its thread once, in order. Returns how many messages were acknowledged."""
    async with db.session() as s:
        rows = (await s.exec(select(Message))).all()
    by_id: dict[str, list[Message]] = {}
    for row in rows:
        by_id.setdefault(row.client_message_id, []).append(row)
    acked = 0
    for sender in senders:
        assert not sender.errors, sender.errors
        for mid, seq in sender.acked.items():
            assert len(by_id.get(mid, [])) == 1, f"{mid} stored {len(by_id.get(mid, []))} times"
            assert by_id[mid][0].site_seq == seq
            acked += 1
    hub_seqs = sorted(row.hub_seq for row in rows)
    for reader in readers:
        await reader.conn.wait_for_messages(len(rows), within=60)
        shown = reader.conn.shown_order
        assert shown == hub_seqs, f"{reader.name} showed {len(shown)} of {len(rows)}"
    return acked


async def assert_calls_valid(db: Database, call_ids: list[str], expect: str | None = None) -> None:
    async with db.session() as s:
        calls = [await s.get(Call, call_id, populate_existing=True) for call_id in call_ids]
    for call in calls:
        assert call is not None and call.state in VALID_STATES
        if expect is not None:
            assert call.state == expect, (call.id, call.state)
