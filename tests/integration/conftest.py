"""Fixtures shared by the integration modules (the suite-wide ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from hub.storage.engine import Database
from schemas.reports import MonthlyReport
from support.reports import load_worked_example, monthly_report
from support.world import World


@pytest.fixture
async def worked(db: Database, world: World) -> MonthlyReport:
    """Commissioner A's October 2026 report of the hand-worked example, small numbers shown."""
    await load_worked_example(db)
    return await monthly_report(db, commissioner="QAA")
