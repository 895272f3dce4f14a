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


@pytest.fixture(autouse=True)
def loopback_only_media(monkeypatch: pytest.MonkeyPatch) -> None:
    """Media between test peers stays on 127.0.0.1 (aiortc leaves loopback out by default)."""
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
