"""The browser harness itself: Chromium starts, pages load, fake media works, axe runs."""

from __future__ import annotations

from support.browser import OpenPage, axe_violations
from support.hub import RunningHub


async def test_the_sign_in_page_is_accessible_and_fake_media_works(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    page = await open_page(None, "/login")
    assert await page.locator("h1").inner_text() == "Sign in to the telehealth hub"
    assert await axe_violations(page) == []
    tracks = await page.evaluate(
        "async () => (await navigator.mediaDevices.getUserMedia({video: true, audio: true}))"
        ".getTracks().map(t => t.kind).sort()"
    )
    assert tracks == ["audio", "video"]
    module = await page.evaluate(
        "async () => (await import('/js/shared/signalling.js')).HubSocket.name"
    )
    assert module == "HubSocket"
