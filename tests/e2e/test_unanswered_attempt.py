"""A connection attempt nobody answers is given up and made again (signalling.js
``ATTEMPT_DEADLINE_SECONDS``): a hub that never answers the auth frame, or a network that
swallows it, must not leave a tablet or a console at "Connecting to the hub…" for good.

The first socket's auth frame is swallowed on the wire by Playwright, not by our code; every
later socket goes through to the real hub."""

from __future__ import annotations

from playwright.async_api import Page, WebSocketRoute, expect

from support.browser import OpenPage
from support.hub import RunningHub
from support.night import console_page

DEADLINE_MS = 15_000  # signalling.js ATTEMPT_DEADLINE_SECONDS


async def _swallow_the_first_auth(page: Page) -> list[str]:
    """Route the page's sockets; the first one's frames go nowhere. What each socket did."""
    sockets: list[str] = []

    def route(page_side: WebSocketRoute) -> None:
        if not sockets:
            sockets.append("swallowed")
            page_side.on_message(lambda _frame: None)  # never forwarded, never answered
            return
        sockets.append("through")
        hub_side = page_side.connect_to_server()
        page_side.on_message(hub_side.send)
        hub_side.on_message(page_side.send)

    await page.route_web_socket("**/ws", route)
    return sockets


async def test_a_tablet_whose_first_attempt_is_never_answered_tries_again(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/messages")
    sockets = await _swallow_the_first_auth(tablet)
    await tablet.goto("/tablet/messages")
    banner = tablet.locator("#connection")
    await expect(banner).to_contain_text("Connecting to the hub…")
    await expect(banner).to_be_hidden(timeout=DEADLINE_MS + 10_000)
    assert await tablet.evaluate("() => telehubTablet.hub.state") == "open"
    assert sockets == ["swallowed", "through"]


async def test_a_console_whose_first_attempt_is_never_answered_tries_again(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await console_page(open_page)
    sockets = await _swallow_the_first_auth(nurse)
    await nurse.reload()
    status = nurse.locator("#connection")
    await expect(status).to_have_text("Connecting to the hub…")
    await expect(status).to_have_attribute("data-state", "open", timeout=DEADLINE_MS + 10_000)
    assert sockets == ["swallowed", "through"]
