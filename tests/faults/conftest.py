"""The fault suite: real ``telehub serve`` processes on free ports, the PostgreSQL at
HUB_TEST_DATABASE_URL (each test in its own schema), and servers of the test's own where
the test kills them. Run with ``make test`` (in parallel, pytest-xdist) or alone with
``.venv/bin/pytest tests/faults -n 2 -s`` to see the timings each scenario prints."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from support.faults import HubProcess

pytestmark = pytest.mark.faults


@pytest.fixture
def backend() -> str:
    """Several processes share the database: PostgreSQL, as in a regional deployment."""
    if not os.environ.get("HUB_TEST_DATABASE_URL"):
        pytest.skip("HUB_TEST_DATABASE_URL is not set (make test sets it)")
    return "postgres"


@pytest.fixture
async def processes() -> AsyncIterator[list[HubProcess]]:
    """Every hub process a test starts; killed at the end whatever happened."""
    started: list[HubProcess] = []
    yield started
    for process in started:
        await process.kill()
