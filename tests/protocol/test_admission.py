"""Issue 16: a herd of returning clients is bounded. With the auth-phase backlog full, a new
upgrade is refused before any work with 503 and Retry-After, which the Python client honours;
once a socket in the auth phase is answered, the next is taken."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from hub.settings import HubSettings
from support.hub import RunningHub, running_hub
from support.world import NOW, World
from telehub_client import HubConnection


@pytest.fixture
async def narrow(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    async with running_hub(settings.model_copy(update={"ws_auth_backlog": 2}), world, NOW) as hub:
        yield hub


async def test_a_full_auth_phase_refuses_upgrades_with_a_retry_hint(narrow: RunningHub) -> None:
    hub = narrow
    credential = await hub.device_credential()

    async def tablet() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    # Two sockets upgraded that have not yet sent their auth frame fill the backlog.
    silent = [await websockets.connect(hub.url) for _ in range(2)]
    try:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await HubConnection.open(hub.url, tablet)
        response = refused.value.response
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"

        waits: list[float] = []

        async def record(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:  # one of the silent sockets goes: there is room again
                await silent.pop().close()

        conn = HubConnection(hub.url, tablet)
        hub.opened.append(conn)
        await conn.come_back(rng=random.Random(5), sleep=record)
        assert conn.auth_ok["type"] == "auth_ok"
        # Refused until there was room, each time waiting as the hub asked (1 s, spread by
        # half), not the 0.5 s of a hub that is not there.
        assert len(waits) >= 2 and all(0.5 <= w <= 1.5 for w in waits), waits
        assert any(w > 0.625 for w in waits), waits
    finally:
        for ws in silent:
            await ws.close()
