"""Security headers: a strict CSP with a per-response nonce on every page, no caching of
anything that may hold patient data, HSTS behind https, and no software version named."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.settings import HubSettings
from support.hub import HubServer
from support.world import World, sign_in

PAGES = ["/console", "/console/history", "/console/follow-ups", "/console/calls/{call}"]


def _directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}


async def test_every_page_has_a_strict_csp_and_its_inline_script_the_responses_nonce(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    nonces = set()
    for path in ["/login", *(p.format(call=world.home_a.call.id) for p in PAGES)]:
        response = await client.get(path)
        assert response.status == 200, path
        policy = response.headers["Content-Security-Policy"]
        directives = _directives(policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert directives["object-src"] == "object-src 'none'"
        assert directives["frame-ancestors"] == "frame-ancestors 'none'"
        nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
        assert nonce is not None, policy
        nonces.add(nonce.group(1))
        html = await response.text()
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline, path  # the NHS.UK template's js-enabled script
        assert all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline), (path, inline)
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path  # no inline event handlers
        assert response.headers["Cache-Control"] == "no-store", path
    assert len(nonces) == 5  # a fresh nonce for every response


async def test_a_refused_page_has_the_nonce_and_a_working_sign_out(
    client: TestClient, world: World
) -> None:
    """A page refused before its handler runs (the access check) is still the hub's page:
    its inline script carries the response's nonce, and its Sign out link the session's
    CSRF token, so it signs out."""
    await sign_in(client, world.nurse.username)
    for path, status in (("/admin", 403), ("/console/calls/no-such-call", 404)):
        response = await client.get(path, headers={"Accept": "text/html"})
        assert response.status == status, path
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert nonce is not None, path
        html = await response.text()
        assert f'<script nonce="{nonce.group(1)}">' in html, path
    sign_out = re.search(r'action="(/api/auth/logout\?csrf_token=[^"]+)"', html)
    assert sign_out is not None, html
    home = client.make_url("/")
    signed_out = await client.post(
        sign_out.group(1).replace("&amp;", "&"),
        headers={"Origin": f"{home.scheme}://{home.authority}"},
        allow_redirects=False,
    )
    assert signed_out.status in (200, 204, 302, 303), await signed_out.text()
    assert (await client.get("/api/me")).status == 401


async def test_api_answers_are_not_cached_and_static_assets_may_be(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    assert (await client.get("/api/me")).headers["Cache-Control"] == "no-store"
    asset = await client.get("/static/hub.css")
    assert asset.status == 200 and "no-store" not in asset.headers.get("Cache-Control", "")


async def test_the_server_header_names_no_version_and_hsts_is_off_over_http(
    client: TestClient,
) -> None:
    response = await client.get("/login")
    assert response.headers["Server"] == "telehub"
    assert "Strict-Transport-Security" not in response.headers


async def test_hsts_when_the_public_url_is_https(settings: HubSettings, world: World) -> None:
    https = settings.model_copy(update={"public_base_url": "https://hub.example.nhs.uk"})
    async with TestClient(HubServer(create_app(https))) as client:
        response = await client.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


async def test_the_websocket_upgrade_makes_no_page_context(
    client: TestClient, world: World
) -> None:
    """/ws renders no page: its upgrade draws no CSP nonce and signs no CSRF token (every
    tablet takes it on every registration), while a page still gets both."""
    await sign_in(client, world.nurse.username)  # a session cookie: a token could be made
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    async with client.get("/ws", headers=upgrade) as response:
        assert response.status == 101
        assert "'nonce-" not in response.headers["Content-Security-Policy"]
    page = await client.get("/console")
    assert "'nonce-" in page.headers["Content-Security-Policy"]
    assert "csrf_token" in await page.text()
