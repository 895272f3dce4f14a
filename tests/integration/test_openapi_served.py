"""The hub serves its own OpenAPI description, without signing in."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.http.openapi import describe


async def test_the_hub_serves_its_openapi_description(client: TestClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == describe(client.server.app)
