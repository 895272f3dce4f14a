"""Fixtures shared by the integration modules (the suite-wide ones are in tests/conftest.py).
A module that needs another clock or hub defines its own ``clock`` or ``hub``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.clock import FakeClock
from hub.settings import HubSettings
from hub.storage.engine import Database
from schemas.reports import MonthlyReport
from support.hub import HubServer
from support.reports import load_worked_example, monthly_report
from support.world import NOW, World, sign_in


@pytest.fixture
async def worked(db: Database, world: World) -> MonthlyReport:
    """Commissioner A's October 2026 report of the hand-worked example, small numbers shown."""
    await load_worked_example(db)
    return await monthly_report(db, commissioner="QAA")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW + timedelta(minutes=20))


@pytest.fixture
async def hub(settings: HubSettings, world: World, clock: FakeClock) -> AsyncIterator[TestClient]:
    """The app on a fake clock, signed in as the nurse."""
    async with TestClient(HubServer(create_app(settings, clock=clock))) as client:
        await sign_in(client, world.nurse.username)
        yield client
