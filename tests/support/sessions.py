"""A browser's side of sessions against a running hub: a cookie jar, sign-in over HTTP,
websocket tickets from that session, and sockets opened with them or a device credential."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from yarl import URL

from hub.app import create_app
from hub.clock import FakeClock
from hub.settings import HubSettings
from support.hub import HubServer
from support.world import NOW, PASSWORD
from telehub_client import HubConnection

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "")


class Browser:
    """One browser profile: its own cookies, so its own session."""

    def __init__(self, server: HubServer) -> None:
        self.server = server
        origin = str(server.make_url("/")).rstrip("/")
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": origin}
        )
        self.opened: list[HubConnection] = []

    def url(self, path: str) -> URL:
        return self.server.make_url(path)

    async def sign_in(self, username: str, password: str = PASSWORD) -> None:
        async with self.http.post(
            self.url("/api/auth/login"), json={"username": username, "password": password}
        ) as response:
            assert response.status == 200, await response.text()
        self.send_csrf_token()

    async def device_sign_in(self, credential: str) -> None:
        async with self.http.post(
            self.url("/api/devices/signin"), json={"credential": credential}
        ) as response:
            assert response.status == 200, await response.text()
        self.send_csrf_token()

    def send_csrf_token(self) -> None:
        """As the hub's pages do: every write carries the session's CSRF token."""
        token = self.http.cookie_jar.filter_cookies(self.url("/")).get("telehub_csrf")
        if token is not None:
            self.http.headers["X-CSRF-Token"] = token.value

    async def ticket(self) -> str:
        async with self.http.post(self.url("/api/auth/ticket")) as response:
            assert response.status == 201, await response.text()
            return str((await response.json())["ticket"])

    async def request(self, method: str, path: str, **kw: Any) -> aiohttp.ClientResponse:
        async with self.http.request(method, self.url(path), **kw) as response:
            await response.read()
            return response

    async def socket(self) -> HubConnection:
        """A socket authenticated with a fresh ticket from this browser's session."""
        ticket = await self.ticket()

        async def auth() -> dict[str, Any]:
            return {"type": "auth", "ticket": ticket}

        return await self._open(auth)

    async def credential_socket(self, credential: str) -> HubConnection:
        async def auth() -> dict[str, Any]:
            return {"type": "auth", "credential": credential}

        return await self._open(auth)

    async def _open(self, auth: Any) -> HubConnection:
        url = str(self.url("/ws")).replace("http://", "ws://")
        conn = await HubConnection.open(url, auth)
        self.opened.append(conn)
        return conn

    async def close(self) -> None:
        for conn in self.opened:
            await conn.close()
        await self.http.close()


async def closed_by_hub(conn: HubConnection, within: float = 1.0) -> tuple[int, str]:
    """The code and reason the hub closed this socket with, once it has (within a second:
    the hub promises that revoked access ends that quickly)."""
    async with asyncio.timeout(within):
        await conn.lost.wait()
    assert conn.closed_by_hub is not None, "the socket dropped without a close code"
    return conn.closed_by_hub


@asynccontextmanager
async def hubs_on_one_redis(
    settings: HubSettings, count: int = 2, **overrides: Any
) -> AsyncIterator[list[HubServer]]:
    """Several hub processes' apps on one database and one real Redis. Their broker channel
    and rate-limit keys are named after the test's own database, so parallel runs neither
    hear nor count each other."""
    if not REDIS_URL:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    shared = settings.model_copy(update={"broker_url": REDIS_URL, **overrides})
    servers = [HubServer(create_app(shared, clock=FakeClock(NOW))) for _ in range(count)]
    for server in servers:
        await server.start_server()
    try:
        yield servers
    finally:
        for server in servers:
            await server.close()
