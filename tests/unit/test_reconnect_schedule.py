"""Both clients come back on the same schedule (issue 16 item 7): at once, then 0.3, 1.2,
2.7, 4.8 s and 7 s from then on, each wait but the first jittered by up to a quarter."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from telehub_client import HubConnection
from telehub_client.connection import RECONNECT_SCHEDULE, reconnect_delays, reconnect_wait

SIGNALLING = Path(__file__).resolve().parents[2] / "clients" / "web" / "shared" / "signalling.js"


def _within_jitter(waits: list[float]) -> None:
    assert waits[0] == 0
    for attempt, wait in enumerate(waits[1:], start=1):
        base = RECONNECT_SCHEDULE[min(attempt, len(RECONNECT_SCHEDULE) - 1)]
        assert base * 0.75 <= wait <= base * 1.25, (attempt, wait)


def test_the_python_client_reconnects_at_once_then_backs_off_with_jitter() -> None:
    assert RECONNECT_SCHEDULE == (0.0, 0.3, 1.2, 2.7, 4.8, 7.0)
    waits = list(itertools.islice(reconnect_delays(random.Random(7)), 12))
    _within_jitter(waits)
    assert sum(waits[:5]) < 12  # a 3.7 s restart costs one or two waits, not 8.7 s
    many = {round(next(itertools.islice(reconnect_delays(), 2, 3)), 3) for _ in range(50)}
    assert len(many) > 10  # tablets coming back after one restart do not move in step


def test_the_browser_client_keeps_the_same_schedule() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = f"""
      const m = await import({json.dumps(SIGNALLING.as_uri())});
      const waits = [];
      for (let attempt = 0; attempt < 12; attempt++) waits.push(m.reconnectDelayMs(attempt) / 1000);
      console.log(JSON.stringify({{ schedule: m.RECONNECT_SCHEDULE, waits }}));
    """
    run = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert tuple(got["schedule"]) == RECONNECT_SCHEDULE
    _within_jitter(got["waits"])


def test_while_nothing_answers_the_client_tries_every_half_second_for_30_s() -> None:
    """Issue 16 item 7: re-registration within 1 s of the hub being ready. A restart that
    takes longer than the first few waits must not leave clients 7 s from their next try."""
    pick = random.Random(3)
    for attempt in range(2, 12):
        assert 0.375 <= reconnect_wait(attempt, 5.0, pick) <= 0.625
        assert 0.375 <= reconnect_wait(attempt, 29.0, pick) <= 0.625
    assert reconnect_wait(0, 5.0, pick) == 0
    assert 0.225 <= reconnect_wait(1, 5.0, pick) <= 0.375  # never longer than the schedule
    # After 30 s of nothing answering, or when the hub answered: the back-off schedule.
    _within_jitter([reconnect_wait(a, 31.0, pick) for a in range(12)])
    _within_jitter([reconnect_wait(a, None, pick) for a in range(12)])


async def test_a_refused_connection_is_retried_on_the_short_waits() -> None:
    """A port nothing listens on: connection refused, the hub is not there (restarting)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: every connect is refused
        waits: list[float] = []

        async def record(seconds: float) -> None:
            waits.append(seconds)

        async def auth() -> dict[str, str]:
            return {"type": "auth", "credential": "unused"}

        conn = HubConnection(f"ws://127.0.0.1:{port}/ws", auth)
        with pytest.raises(OSError):
            await conn.come_back(attempts=8, rng=random.Random(1), sleep=record)
    assert len(waits) == 7
    assert all(w <= 0.625 for w in waits), waits


def test_the_browser_client_also_tries_every_half_second_while_nothing_answers() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = f"""
      const m = await import({json.dumps(SIGNALLING.as_uri())});
      const at = (after) =>
        [...Array(12).keys()].map((a) => m.reconnectDelayMs(a, Math.random, after) / 1000);
      console.log(JSON.stringify({{ fast: at(5), late: at(31), answered: at(null) }}));
    """
    run = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["fast"][0] == 0 and 0.225 <= got["fast"][1] <= 0.375
    assert all(0.375 <= w <= 0.625 for w in got["fast"][2:]), got["fast"]
    _within_jitter(got["late"])
    _within_jitter(got["answered"])


def test_a_page_whose_ticket_request_fails_to_fetch_retries_on_the_short_waits() -> None:
    """The tablet's own getAuth (tablet/device.js) fails with fetch's TypeError while the hub
    is down: the page must read that as nothing answering, not back off to 7 s (Chromium
    re-registered 2.9 to 5.4 s after the hub was ready before; 0.3 s after)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = f"""
      globalThis.window = {{ location: {{ href: "http://127.0.0.1/" }} }};
      const m = await import({json.dumps(SIGNALLING.as_uri())});
      const waits = [];
      const later = globalThis.setTimeout;
      globalThis.setTimeout = (fn, ms) => {{
        waits.push(ms / 1000);
        if (waits.length < 8) later(fn, 0);  // run the attempt now: record the waits only
        return 0;
      }};
      const hub = new m.HubSocket({{
        getAuth: async () => {{ throw new TypeError("Failed to fetch"); }},
      }});
      hub.authOk = {{}};  // it was open once: this is a reconnection
      hub.scheduleReconnect();
      await new Promise((resolve) => later(resolve, 500));
      console.log(JSON.stringify(waits));
    """
    run = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    waits = json.loads(run.stdout)
    assert len(waits) >= 8 and waits[0] == 0, waits
    assert all(w <= 0.625 for w in waits[1:]), waits


def test_a_hub_that_says_when_to_come_back_is_taken_at_its_word() -> None:
    """A hub over its auth-phase backlog answers 503 with Retry-After: the client waits 0.5
    to 1.5 times that (spread, so the refused do not return in step), not 0.5 s."""
    pick = random.Random(11)
    waits = [reconnect_wait(a, 2.0, pick, retry_after=2.0) for a in range(1, 40)]
    assert all(1.0 <= w <= 3.0 for w in waits), waits
    assert max(waits) - min(waits) > 1.0  # spread across the window
    assert reconnect_wait(0, 2.0, pick, retry_after=2.0) == 0  # the first try is at once


async def test_an_attempt_nobody_answers_is_given_up_and_made_again() -> None:
    """A hub (or a network) that swallows the first auth frame: the client gives that attempt
    up at its deadline and the next attempt gets in."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    sockets: list[str] = []

    async def swallow_the_first(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()  # the auth frame
        if not sockets:
            sockets.append("swallowed")
        else:
            sockets.append("answered")
            await ws.send_json({"type": "auth_ok", "who": {"role": "care_home_staff"}})
        await ws.receive()
        return ws

    app = web.Application()
    app.router.add_get("/ws", swallow_the_first)
    async with TestServer(app) as server:

        async def auth() -> dict[str, str]:
            return {"type": "auth", "credential": "unused"}

        conn = HubConnection(str(server.make_url("/ws")).replace("http:", "ws:", 1), auth)
        conn.attempt_deadline = 0.5
        async with asyncio.timeout(10):  # without a deadline the first attempt waits for ever
            with pytest.raises(TimeoutError):
                await conn.connect()
            first = await conn.come_back(attempts=2, rng=random.Random(2))
        assert first["type"] == "auth_ok"
        await conn.close()
    assert sockets == ["swallowed", "answered"]
