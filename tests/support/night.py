"""What the night-shift browser tests share (tests/e2e/test_night*.py): a console page and a
tablet call page that count the tones they play, and the hub's phone number in the settings."""

from __future__ import annotations

from playwright.async_api import Page, expect

from hub.settings import HubSettings

from .browser import DESKTOP, OpenPage
from .hub import RunningHub

# Counts the tones a page starts through WebAudio (the browser's own API, not our code):
# the console's alerts and the tablet's chimes are all oscillators.
COUNT_TONES = """
window.__tones = 0;
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return start.apply(this, args);
};
"""

HUB_PHONE = "0300 123 4567"


def with_hub_phone(settings: HubSettings) -> HubSettings:
    """These settings with the hub's phone number set, as the tablet shows it at night."""
    return settings.model_copy(update={"hub_phone": HUB_PHONE})


async def console_page(open_page: OpenPage, username: str = "nurse.one") -> Page:
    """The nurse's console, connected, counting tones, touched once so sound may play."""
    page = await open_page(username, "/console", viewport=DESKTOP)
    await page.add_init_script(COUNT_TONES)
    await page.reload()
    await expect(page.locator("#connection")).to_have_text("Connected to the hub")
    await page.locator("body").click()  # a nurse at the console has touched it: sound may play
    return page


async def tablet_call_page(open_page: OpenPage, live_hub: RunningHub) -> Page:
    """Home A's tablet on its call page, counting tones."""
    page = await open_page(live_hub.world.home_a.staff.username, "/tablet")
    await page.add_init_script(COUNT_TONES)
    await page.goto("/tablet/call")
    return page


async def tones(page: Page) -> int:
    return int(await page.evaluate("() => window.__tones"))
