"""The sign-in page returns a person to where they were going, but only on this hub."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient

from support.world import PASSWORD, World


@pytest.mark.parametrize(
    "trick",
    ["/%09/evil.example/phish", "//evil.example", "/%5Cevil.example", "https://evil.example"],
)
async def test_a_next_that_leaves_the_hub_is_ignored(
    client: TestClient, world: World, trick: str
) -> None:
    page = await (await client.get(f"/login?next={trick}")).text()
    assert 'name="next"' not in page
    # As a form field holds it once the query string is decoded (a tab, a backslash).
    form = {"username": world.nurse.username, "password": PASSWORD, "next": unquote(trick)}
    response = await client.post(f"/login?next={trick}", data=form, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/console"


async def test_a_next_on_the_hub_is_where_signing_in_goes(client: TestClient, world: World) -> None:
    page = await (await client.get("/login?next=/console/history")).text()
    assert '<input type="hidden" name="next" value="/console/history">' in page
    form = {"username": world.nurse.username, "password": PASSWORD, "next": "/console/history"}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/console/history"
