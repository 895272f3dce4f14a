"""A serving hub takes its start-up objects out of the collector's full scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from aiohttp import web

from hub.heap import freeze_startup_objects


def _tracked(obj: object) -> bool:
    """Whether a full collection would walk ``obj`` (frozen objects are not listed)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture
def unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()  # the rest of the test run goes on collecting as usual


async def test_what_exists_at_startup_is_frozen_and_what_comes_later_is_not(
    unfrozen: None,
) -> None:
    app = web.Application()
    app.on_startup.append(freeze_startup_objects)
    made_before = {"routes": []}
    assert _tracked(made_before)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        made_after = {"socket": []}
        assert gc.get_freeze_count() > 0
        assert not _tracked(made_before)
        assert _tracked(made_after)
    finally:
        await runner.cleanup()
