"""A session ends after HUB_SESSION_IDLE_MINUTES without a request (ASVS V7), as well as
at its absolute lifetime; using it keeps it alive."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.clock import FakeClock
from hub.settings import HubSettings
from support.hub import HubServer
from support.world import NOW, World, sign_in


async def test_an_idle_session_ends_and_a_used_one_does_not(
    settings: HubSettings, world: World
) -> None:
    clock = FakeClock(NOW)
    app = create_app(settings.model_copy(update={"session_idle_minutes": 30}), clock=clock)
    async with TestClient(HubServer(app)) as client:
        await sign_in(client, world.nurse.username)
        for _ in range(4):  # two hours in all, never thirty minutes idle
            clock.advance(timedelta(minutes=29))
            assert (await client.get("/api/me")).status == 200
        clock.advance(timedelta(minutes=30))
        assert (await client.get("/api/me")).status == 401
        assert (await client.post("/api/auth/ticket")).status == 401
