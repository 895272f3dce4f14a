"""Pages on a care home's 4G: Lighthouse (mobile, simulated slow 4G, Debian's Chromium) on
the pages each user lives in, against the hub with demo data, beside the sign-in page
measured in the same run as the baseline (these machines are noisy: the ratio is the
comparable figure). Targets (issue 17 item 15): performance >= 90, first paint < 2 s.

``make bench-pages``; with ``HUB_WRITE_DOCS=1`` (as the target sets it) the table replaces
the "### Pages on slow 4G (Lighthouse)" section of docs/performance.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.docs import DOC, asked, replace_section
from hub.demo import DEMO_PASSWORD
from hub.http.access import SESSION_COOKIE

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "pages" / "node_modules" / ".bin" / "lighthouse"
TELEHUB = Path(sys.executable).with_name("telehub")
HEADING = "### Pages on slow 4G (Lighthouse)"
PAGES = [  # (who signs in, page); None: the baseline, signed out
    (None, "/login"),
    ("staff.ashgrove", "/tablet"),
    ("staff.ashgrove", "/tablet/call"),
    ("nurse.amy", "/console"),
    ("commissioner.qwo", "/reports"),
]
SCORE_TARGET, PAINT_TARGET_MS = 90, 2000


@dataclass
class Measured:
    page: str
    score: int
    first_paint_ms: float
    largest_paint_ms: float
    blocking_ms: float


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_hub(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/hub.sqlite3",
        "HUB_PORT": str(port),
        "HUB_ENVIRONMENT": "development",
        "HUB_RATE_SIGN_IN_ADDRESS": "1000/minute",
    }
    for step in ("db upgrade", "demo"):
        made = await asyncio.create_subprocess_exec(
            str(TELEHUB), *step.split(), env=env, stdout=subprocess.DEVNULL
        )
        if await made.wait() != 0:
            raise RuntimeError(f"telehub {step} failed")
    with (workdir / "hub.log").open("wb") as log:
        hub = subprocess.Popen(  # noqa: ASYNC220 (returns at once; stopped in main)
            [str(TELEHUB), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 60
        while True:
            try:
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return hub, base
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline or hub.poll() is not None:
                raise RuntimeError(f"the hub did not start: see {workdir / 'hub.log'}")
            await asyncio.sleep(0.2)


async def session_cookie(base: str, username: str) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        ) as response:
            response.raise_for_status()
            return response.cookies[SESSION_COOKIE].value


def lighthouse(url: str, cookie: str | None) -> Measured:
    command = [
        str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
        "--only-categories=performance", "--form-factor=mobile", "--throttling-method=simulate",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    if cookie is not None:
        command.append("--extra-headers=" + json.dumps({"Cookie": f"{SESSION_COOKIE}={cookie}"}))
    done = subprocess.run(
        command, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, capture_output=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr.decode()[-2000:]}")
    report = json.loads(done.stdout)
    audits = report["audits"]
    return Measured(
        page=url.split("/", 3)[-1] and "/" + url.split("/", 3)[-1],
        score=round(100 * (report["categories"]["performance"]["score"] or 0)),
        first_paint_ms=audits["first-contentful-paint"]["numericValue"],
        largest_paint_ms=audits["largest-contentful-paint"]["numericValue"],
        blocking_ms=audits["total-blocking-time"]["numericValue"],
    )


def table(rows: list[Measured], load: str) -> str:
    base = rows[0]
    lines = [
        HEADING,
        "",
        f"Lighthouse 12.2.3, mobile, simulated slow 4G (150 ms, 1.6 Mbit/s, CPU ×4), Debian's "
        f"Chromium; the hub with demo data on SQLite; load average {load}. `/login` is the "
        "baseline measured in the same run. Targets: performance ≥ 90, first paint < 2 s.",
        "",
        "| page | performance | first paint | largest paint | blocking | paint ÷ /login | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        met = row.score >= SCORE_TARGET and row.first_paint_ms < PAINT_TARGET_MS
        lines.append(
            f"| `{row.page}` | {row.score} | {row.first_paint_ms:,.0f} ms | "
            f"{row.largest_paint_ms:,.0f} ms | {row.blocking_ms:,.0f} ms | "
            f"{row.first_paint_ms / base.first_paint_ms:.2f} | {'met' if met else 'NOT met'} |"
        )
    return "\n".join(lines) + "\n"


async def main() -> int:
    if not LIGHTHOUSE.exists():
        print("lighthouse is missing: run `make bench-pages`, which installs it", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="telehub-pages-") as tmp:
        hub, base = await start_hub(Path(tmp))
        try:
            rows = []
            for who, path in PAGES:
                cookie = await session_cookie(base, who) if who else None
                rows.append(await asyncio.to_thread(lighthouse, base + path, cookie))
        finally:
            hub.terminate()
            hub.wait(timeout=30)
    load = f"{os.getloadavg()[0]:.1f}"
    text = table(rows, load)
    print(text)
    if asked():
        replace_section(DOC, HEADING, text)
        print(f"recorded in {DOC}")
    targets = [r for r in rows[1:] if r.score < SCORE_TARGET or r.first_paint_ms >= PAINT_TARGET_MS]
    return 1 if targets else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
