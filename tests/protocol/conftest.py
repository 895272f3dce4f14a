from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.settings import HubSettings
from support.hub import RunningHub, running_hub
from support.world import NOW, World


@pytest.fixture
async def hub(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    async with running_hub(settings, world, NOW) as running:
        yield running
