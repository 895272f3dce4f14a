"""Settings refuse bad values with one line naming the setting; the CLI works end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
        ({"HUB_DATABASE_URL": "mysql://x"}, "HUB_DATABASE_URL"),
        ({"HUB_BROKER_URL": "amqp://x"}, "HUB_BROKER_URL"),
        ({"HUB_ICE_SERVERS": '[{"url": "stun:x"}]'}, "HUB_ICE_SERVERS"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY"),
    ],
)
def test_a_bad_setting_is_named(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(named) and "\n" not in message


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "HUB_SECRET_KEY" in str(caught.value)


def _telehub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        input="",
    )


def test_serve_with_a_bad_setting_stops_with_one_line() -> None:
    result = _telehub("serve", env={"HUB_PORT": "0x"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "HUB_PORT" in result.stderr


def test_the_cli_migrates_loads_demo_data_and_enrols_a_tablet(tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    assert _telehub("db", "upgrade", env=env).returncode == 0
    demo = _telehub("demo", "--months", "2", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "nurse.amy" in demo.stdout
    again = _telehub("demo", "--months", "2", env=env)
    assert "nothing changed" in again.stdout
    enrol = _telehub("device", "enrol", "--site", "VA1A1", "--label", "Lounge", env=env)
    assert enrol.returncode == 0, enrol.stderr
    assert "enrolment code" in enrol.stdout
    pin = _telehub("user", "pin", "staff.beech", "--pin", "1357", env=env)
    assert pin.returncode == 0 and "PIN set for staff.beech" in pin.stdout, pin.stderr
    short = _telehub("user", "pin", "staff.beech", "--pin", "13", env=env)
    assert short.returncode == 1 and "4 to 8 digits" in short.stderr
    nurse = _telehub("user", "pin", "nurse.amy", "--pin", "1357", env=env)
    assert nurse.returncode == 1 and "Only care-home staff" in nurse.stderr
    unknown = _telehub("device", "enrol", "--site", "VZZZZ", "--label", "Lost", env=env)
    assert unknown.returncode == 1 and "VZZZZ" in unknown.stderr
    bad_role = _telehub(
        "user",
        "add",
        "x.y.z",
        "--role",
        "surgeon",
        "--organisation",
        "RAEHB",
        "--name",
        "X",
        "--password",
        "long enough pw",
        env=env,
    )
    assert bad_role.returncode == 2 and "role" in bad_role.stderr
