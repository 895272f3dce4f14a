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


async def test_the_shared_wait_formatter_and_dom_helper(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """One wait formatter for the tablet and the console; one el() that puts text in as text."""
    page = await open_page(None, "/login")
    waits = await page.evaluate(
        """async () => {
          const { formatWait } = await import('/js/shared/format.js');
          const clock = { clock: true };
          return [formatWait(-3), formatWait(45.9), formatWait(125), formatWait(125, clock),
                  formatWait(3900, clock)];
        }"""
    )
    assert waits == ["0 s", "45 s", "2 min 5 s", "2:05", "1 h 05 min"]
    html = await page.evaluate(
        """async () => {
          const { el } = await import('/js/shared/dom.js');
          return el('li', { class: 'a', 'data-id': 3, hidden: false, text: null },
                    '<b>x</b>', [el('span', { text: 'y' }), null, false], 4).outerHTML;
        }"""
    )
    assert html == '<li class="a" data-id="3">&lt;b&gt;x&lt;/b&gt;<span>y</span>4</li>'
