"""In real Chromium: no page of the hub trips its own Content-Security-Policy (each kind of
page, as someone who may open it), and a tablet signing itself back in never follows
``next`` off the hub."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route

from hub.clock import london_date
from hub.storage.engine import Database
from support.browser import TABLET
from support.calls import call_in_wrap_up
from support.hub import RunningHub
from support.world import NOW, PASSWORD, World

WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} line ${e.lineNumber}`);
});
"""
CREATE_CLINIC = """
async (clinic) => {
  const { withCsrf } = await import('/js/shared/csrf.js');
  const response = await fetch('/api/clinics', {
    method: 'POST',
    headers: withCsrf({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(clinic),
  });
  if (!response.ok) throw new Error(await response.text());
  return (await response.json()).id;
}
"""
REFUSED = {"/admin": 403, "/console/calls/no-such-call": 404}  # the nurse's problem pages


def _pages(world: World) -> dict[str | None, list[str]]:
    """Each kind of page, as someone who may open it ("{clinic}": the specialist's clinic)."""
    call = world.home_a.call.id
    resident = world.home_a.resident.id
    return {
        None: ["/login", "/enrol"],
        world.home_a.staff.username: [
            "/tablet",
            "/tablet/call",
            "/tablet/messages",
            "/tablet/check",
            "/tablet/clinics",
            f"/tablet/residents/{resident}",
        ],
        world.nurse.username: [
            "/console",  # with a call in wrap-up: the call's panel and the wrap-up form
            "/console/history",
            "/console/follow-ups",
            f"/console/calls/{call}",
            f"/console/people/{resident}",
            "/me",
            *REFUSED,
        ],
        world.specialist.username: ["/console/clinics", "/console/clinics/{clinic}"],
        world.admin.username: [
            "/admin",
            "/admin/imports",
            "/admin/shift",
            "/admin/devices",
            "/admin/audit",
            "/reports/hub",
        ],
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


async def _clinic(page: Page, world: World) -> int:
    """A clinic of the specialist's today, made through the page as she would."""
    clinic = {
        "specialty": "Dermatology",
        "clinician_id": world.specialist.id,
        "day": london_date(NOW).isoformat(),
        "starts_at": "16:00",
        "slot_minutes": 20,
        "slots": 2,
    }
    return int(await page.evaluate(CREATE_CLINIC, clinic))


async def test_no_page_raises_a_csp_violation(
    browser: Browser, live_hub: RunningHub, db: Database
) -> None:
    world = live_hub.world
    await call_in_wrap_up(db, world, started=NOW)
    refused: list[str] = []
    for username, paths in _pages(world).items():
        page = await _open(browser, live_hub, username)
        page.on(
            "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
        )
        try:
            for path in paths:
                if "{clinic}" in path:
                    path = path.format(clinic=await _clinic(page, world))
                response = await page.goto(path)
                assert response is not None, path
                refused_here = username == world.nurse.username and path in REFUSED
                assert response.status == (REFUSED[path] if refused_here else 200), path
                assert "'nonce-" in (response.headers.get("content-security-policy") or "")
                await page.wait_for_load_state("networkidle")
                violations = await page.evaluate("() => window.cspViolations")
                assert violations == [], (path, violations)
                # The NHS.UK template's inline script ran (it has the nonce).
                assert "js-enabled" in (await page.evaluate("() => document.body.className")), path
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
