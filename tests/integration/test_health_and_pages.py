"""Health checks, and the sign-in page a person actually sees."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.settings import HubSettings
from support.hub import HubServer
from support.world import PASSWORD, World


async def test_health_and_readiness(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"


async def test_not_ready_before_migrations(tmp_path: Path) -> None:
    settings = HubSettings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    )
    async with TestClient(HubServer(create_app(settings))) as client:
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert "migrations" in (await ready.json())["detail"]


async def test_the_sign_in_page_signs_a_nurse_in(client: TestClient, world: World) -> None:
    page = await client.get("/login")
    html = await page.text()
    assert page.status == 200
    assert 'class="nhsuk-header' in html and 'name="username"' in html
    wrong = await client.post("/login", data={"username": world.nurse.username, "password": "nope"})
    assert wrong.status == 401 and "Wrong username or password" in await wrong.text()
    right = await client.post(
        "/login",
        data={"username": world.nurse.username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert right.status == 302 and right.headers["Location"] == "/console"
    home = await client.get("/", allow_redirects=False)
    assert home.headers["Location"] == "/console"


async def test_an_address_with_no_page_says_so_in_a_page(client: TestClient) -> None:
    """A mistyped or stale link: the NHS-styled page with the way to the start, still 404;
    the API and anything not asking for HTML keep their plain answers."""
    page = await client.get("/consol", headers={"Accept": "text/html,*/*;q=0.8"})
    html = await page.text()
    assert page.status == 404 and page.content_type == "text/html"
    assert 'class="nhsuk-header' in html and "Page not found" in html and 'href="/"' in html
    assert "nonce-" in page.headers["Content-Security-Policy"]
    api = await client.get("/api/no-such-thing", headers={"Accept": "text/html"})
    assert api.status == 404 and (await api.json())["code"] == "not_found"
    plain = await client.get("/consol")
    assert plain.status == 404 and "Page not found" not in await plain.text()
