"""A hub process a test or benchmark starts (``support.faults.HubProcess``) runs the code
the test imported, a worktree's own, not the checkout the shared virtualenv names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hub
from hub.settings import HubSettings
from support.faults import HubProcess


def test_a_spawned_hub_imports_the_hub_this_test_imported(tmp_path: Path) -> None:
    settings = HubSettings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/x")
    process = HubProcess(settings, tmp_path, "code")
    found = subprocess.run(
        [sys.executable, "-c", "import hub; print(hub.__file__)"],
        env=process.env,
        cwd=tmp_path,  # nothing to import from here: the environment decides
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).resolve() == Path(hub.__file__).resolve()
