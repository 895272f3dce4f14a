"""Servers a fault test owns and may kill: its own redis-server and PostgreSQL cluster on
free ports, and a way to wait for a condition without sleeping for a fixed time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], within: float = 20.0
) -> float:
    """Wait until ``check()`` holds, polling; returns how long it took. Fails after
    ``within`` seconds with the condition's name."""
    started = time.monotonic()
    async with asyncio.timeout(within):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return time.monotonic() - started
            await asyncio.sleep(0.02)


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may kill -9 and
    start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.process.returncode})")
            time.sleep(0.02)  # a child process starting: nothing to wait on but its port
        raise RuntimeError("redis-server did not start listening")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


class PostgresServer:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, trust
    authentication, loopback on a free port) that the test may stop and start again.
    As root it runs as the ``postgres`` user: the server refuses to run as root."""

    def __init__(self) -> None:
        if not PG_BIN:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = PG_BIN[-1]
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        # Not under pytest's tmp_path: that is private to root, and the server is not root.
        self.datadir = Path(tempfile.mkdtemp(prefix="telehub-pg-"))
        if self.user is not None:
            shutil.chown(self.datadir, self.user)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *args, user=self.user, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {out.decode()[-2000:]}")

    async def init(self) -> None:
        await self._run(
            str(self.bin / "initdb"), "-D", str(self.datadir / "data"), "-U", "postgres",
            "-A", "trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1"
        await self._run(
            str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.datadir / "data"),
            "-l", str(self.datadir / "server.log"), "-o", options,
        )  # fmt: skip

    async def stop(self, mode: str = "immediate") -> None:
        """``immediate``: the server goes at once, as in a crash; committed work is in the
        write-ahead log and comes back with it."""
        await self._run(
            str(self.bin / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.datadir / "data")
        )

    async def remove(self) -> None:
        if (self.datadir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                await self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)


class TurnServer:
    """Debian's coturn on a free port of the loopback, taking the hub's time-limited TURN
    credentials (``use-auth-secret`` with ``secret``, as ops/coturn/turnserver.conf). Unlike
    production it relays to loopback peers: both ends of the test's call are on this host."""

    def __init__(self, workdir: Path, secret: str) -> None:
        binary = shutil.which("turnserver")
        if binary is None:
            raise RuntimeError("coturn is not installed (apt-get install coturn)")
        self.binary = binary
        self.secret = secret
        self.port = free_port()
        self.log = workdir / "turnserver.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def _listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    async def start(self) -> None:
        relay_from = 40000 + (self.port % 200) * 100  # a range of its own, below the ephemeral
        with (self.log.parent / "turnserver.out").open("wb") as out:
            self.process = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
                [
                    self.binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                    f"--listening-port={self.port}", f"--min-port={relay_from}",
                    f"--max-port={relay_from + 99}", "--use-auth-secret",
                    f"--static-auth-secret={self.secret}", "--realm=telehub.test",
                    "--fingerprint", "--no-tls", "--no-dtls", "--no-cli",
                    "--allow-loopback-peers", f"--log-file={self.log}", "--simple-log",
                    f"--pidfile={self.log.parent / 'turnserver.pid'}",
                    f"--userdb={self.log.parent / 'turndb'}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        await eventually(self._listening, within=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
