"""Both clients come back on the same schedule (issue 16 item 7): at once, then 0.3, 1.2,
2.7, 4.8 s and 7 s from then on, each wait but the first jittered by up to a quarter."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from telehub_client.connection import RECONNECT_SCHEDULE, reconnect_delays

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
