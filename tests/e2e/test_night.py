"""The night shift in real Chromium (issue 17): a real tablet page and a real console page.

What the home types while waiting reaches the nurse's queue card, with an alert, and the
call's thread once the nurse answers; what the nurse types in the call appears on the
tablet's in-call screen with a sound; the tablet chimes when the nurse answers.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from support.browser import DESKTOP, OpenPage, screenshot
from support.hub import RunningHub
from support.tablet import walk_to_call

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

GREY = "She has just gone grey and is not answering me"


async def _console(open_page: OpenPage, username: str = "nurse.one") -> Page:
    page = await open_page(username, "/console", viewport=DESKTOP)
    await page.add_init_script(COUNT_TONES)
    await page.reload()
    await expect(page.locator("#connection")).to_have_text("Connected to the hub")
    await page.locator("body").click()  # a nurse at the console has touched it: sound may play
    return page


async def _tablet(open_page: OpenPage, live_hub: RunningHub) -> Page:
    page = await open_page(live_hub.world.home_a.staff.username, "/tablet")
    await page.add_init_script(COUNT_TONES)
    await page.goto("/tablet/call")
    return page


async def tones(page: Page) -> int:
    return int(await page.evaluate("() => window.__tones"))


async def test_what_the_home_says_while_waiting_and_in_the_call_reaches_the_other_side(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await _console(open_page)
    tablet = await _tablet(open_page, live_hub)
    call_id = await walk_to_call(
        tablet, resident="Edith ResidentA", reason="breathing_difficulty", intent="gp_urgent"
    )
    card = nurse.locator(f'#queue [data-call-id="{call_id}"]')
    await expect(card).to_be_visible()
    await expect(nurse.locator("#alert")).to_contain_text("New call from Home A")
    before = await tones(nurse)

    # Item 1: typed on the waiting screen; on the queue card, with an urgent alert and sound.
    await tablet.locator("#call-message").fill(GREY)
    await tablet.locator("#call-message-form button").click()
    await expect(card.locator("[data-waiting-message]")).to_contain_text(GREY)
    alert = nurse.locator("#alert")
    await expect(alert).to_contain_text("Message from Home A while waiting")
    await expect(alert).to_have_attribute("data-tone", "urgent")
    assert await tones(nurse) > before
    await screenshot(nurse, "console-night-queue-message")

    # ... and in the call's thread once the nurse answers.
    await card.locator("button[data-accept]").click()
    await expect(nurse.locator("#call")).to_be_visible()
    await expect(nurse.locator("#thread")).to_contain_text(GREY)
    await expect(nurse.locator("#thread li")).to_have_count(1)

    # Item 2 (and 5): the tablet chimes when answered and shows the nurse's messages in the
    # call, with a sound, without leaving the call.
    await expect(tablet.locator("#in-call")).to_be_visible()
    await tablet.wait_for_function("() => window.__tones > 0")
    heard = await tones(tablet)
    await nurse.locator("#message-body").fill("Lie her on her side and tell me her breathing.")
    await nurse.locator("#message-body").press("Enter")
    in_call = tablet.locator("#in-call #call-messages li", has_text="Lie her on her side")
    await expect(in_call).to_be_visible()
    await expect(in_call).to_have_count(1)
    await tablet.wait_for_function("(n) => window.__tones > n", arg=heard)
    # The home can answer from the call screen too.
    await tablet.locator("#call-message").fill("On her side now, breathing fast.")
    await tablet.locator("#call-message-form button").click()
    await expect(nurse.locator("#thread")).to_contain_text("On her side now")
