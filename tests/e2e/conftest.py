"""End-to-end tests in real headless Chromium (Debian's package, driven by Playwright) with
fake camera and microphone, against a real hub on loopback.

``make test`` installs Chromium when it is missing; if it is still missing these tests fail.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from hub.settings import HubSettings
from support.browser import CHROMIUM, CHROMIUM_FLAGS, TABLET, OpenPage
from support.hub import RunningHub, running_hub
from support.world import NOW, PASSWORD, World

# How long a page may take to show what a test waits for. Two browser tests run at once on
# CI's two cores, each with several pages decoding fake video: a page that connects in 1 s
# alone took over 5 s (Playwright's default) there. Waits that are the behaviour under test
# ("seen within a second") say their own timeout.
expect.set_options(timeout=15_000)


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the browser suites exercise pages, not storage engines


@pytest.fixture
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def live_hub(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    async with running_hub(settings, world, NOW) as running:
        yield running


@pytest.fixture
async def open_page(browser: Browser, live_hub: RunningHub) -> AsyncIterator[OpenPage]:
    """Open a page as someone: ``await open_page(username, "/console")``, or a device."""
    contexts: list[BrowserContext] = []

    async def opener(username: str | None, path: str, *, viewport: dict[str, int] = TABLET) -> Page:
        context = await browser.new_context(
            viewport=viewport, base_url=str(live_hub.server.make_url("/"))
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("console", lambda msg: print(f"[browser {msg.type}] {msg.text}"))
        page.on("pageerror", lambda e: print(f"[browser pageerror] {e}"))
        if username is not None:
            response = await page.request.post(
                "/api/auth/login", data={"username": username, "password": PASSWORD}
            )
            assert response.ok, await response.text()
        await page.goto(path)
        return page

    yield opener
    for context in contexts:
        await context.close()
