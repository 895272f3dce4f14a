"""nginx in front of real hub processes (the fault suite's, tests/support/faults.py), with
ops/nginx/telehub.conf as shipped, on loopback without TLS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .servers import free_port

NGINX_CONF = Path(__file__).resolve().parents[2] / "ops" / "nginx" / "telehub.conf"


class Nginx:
    """nginx in front of hub processes, with ops/nginx/telehub.conf as shipped, on
    loopback without TLS: the upstream names the test's ports, the TLS server listens on
    a free port in plain HTTP, and the port-80 redirect is left out."""

    def __init__(self, workdir: Path, upstreams: list[int]) -> None:
        self.workdir = workdir / "nginx"
        self.workdir.mkdir(exist_ok=True)
        self.port = free_port()
        self.upstreams = upstreams
        self.process: asyncio.subprocess.Process | None = None

    def config(self) -> str:
        shipped = NGINX_CONF.read_text()
        servers = "\n".join(f"    server 127.0.0.1:{port};" for port in self.upstreams)
        site = re.sub(r"(?m)^    server 127\.0\.0\.1:\d+;\n", "", shipped)
        site = site.replace("    least_conn;\n", f"    least_conn;\n{servers}\n")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{self.port};")
        site = re.sub(r"(?m)^\s*(ssl_\w+|add_header Strict-Transport-Security).*\n", "", site)
        site = re.sub(r"server \{\s*listen 80;.*?\n\}\n?", "", site, flags=re.S)
        temp = "\n".join(
            f"  {kind}_temp_path {self.workdir}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        return (
            f"{user}worker_processes 1;\nerror_log {self.workdir}/error.log;\n"
            f"pid {self.workdir}/nginx.pid;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n  access_log off;\n{temp}\n{site}\n}}\n"
        )

    async def start(self) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.config())
        self.process = await asyncio.create_subprocess_exec(
            binary, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;",
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError((self.workdir / "error.log").read_text()[-2000:])
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)  # nginx starting: nothing to wait on but its port
        raise RuntimeError("nginx did not start listening")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGQUIT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 10)
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
