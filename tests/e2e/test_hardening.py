"""In real Chromium: no page of the hub trips its own Content-Security-Policy, and a
tablet signing itself back in never follows ``next`` off the hub."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route

from support.browser import TABLET
from support.hub import RunningHub
from support.world import PASSWORD, World

WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} line ${e.lineNumber}`);
});
"""


def _pages(world: World) -> dict[str | None, list[str]]:
    call = world.home_a.call.id
    return {
        None: ["/login", "/enrol"],
        world.home_a.staff.username: [
            "/tablet",
            "/tablet/call",
            "/tablet/messages",
            "/tablet/check",
        ],
        world.nurse.username: [
            "/console",
            "/console/history",
            "/console/follow-ups",
            f"/console/calls/{call}",
            "/me",
        ],
        world.admin.username: ["/admin", "/admin/imports", "/admin/shift"],
        world.commissioner_user_a.username: ["/reports"],
    }


async def _open(browser: Browser, hub: RunningHub, username: str | None) -> Page:
    context = await browser.new_context(viewport=TABLET, base_url=str(hub.server.make_url("/")))
    await context.add_init_script(WATCH_CSP)
    page = await context.new_page()
    if username is not None:
        response = await page.request.post(
            "/api/auth/login", data={"username": username, "password": PASSWORD}
        )
        assert response.ok, await response.text()
    return page


async def test_no_page_raises_a_csp_violation(browser: Browser, live_hub: RunningHub) -> None:
    refused: list[str] = []
    for username, paths in _pages(live_hub.world).items():
        page = await _open(browser, live_hub, username)
        page.on(
            "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
        )
        try:
            for path in paths:
                response = await page.goto(path)
                assert response is not None and response.ok, path
                assert "'nonce-" in (response.headers.get("content-security-policy") or "")
                await page.wait_for_load_state("networkidle")
                violations = await page.evaluate("() => window.cspViolations")
                assert violations == [], (path, violations)
                # The NHS.UK template's inline script ran (it has the nonce).
                assert "js-enabled" in (await page.evaluate("() => document.body.className"))
        finally:
            await page.context.close()
    assert refused == []


@pytest.mark.parametrize(
    "trick",
    [
        "/%09/evil.example/phish",
        "/%0A/evil.example/phish",
        "//evil.example/phish",
        "/%5Cevil.example/phish",
        "/%5C/evil.example/phish",
        "%2F%2Fevil.example/phish",
        "https://evil.example/phish",
    ],
)
async def test_a_tablet_signing_back_in_never_follows_next_off_the_hub(
    browser: Browser, live_hub: RunningHub, trick: str
) -> None:
    credential = await live_hub.device_credential()
    page = await _open(browser, live_hub, None)
    off_site: list[str] = []

    async def refuse(route: Route) -> Any:
        off_site.append(route.request.url)
        await route.abort()

    await page.context.route(re.compile(r"^https?://evil\.example"), refuse)
    try:
        await page.goto("/login")
        await page.evaluate("(c) => localStorage.setItem('telehub.device', c)", credential)
        await page.goto(f"/login?next={trick}")
        await page.wait_for_url("**/tablet")
        assert off_site == []
    finally:
        await page.context.close()
