"""The nurse's written advice to the home after the call (issue 17 item 4), in real
Chromium: a real console records it in the wrap-up; the home's tablet, already on its "call
ended" screen, shows it as it arrives and keeps it on the resident's page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from support.browser import OpenPage, axe_violations, screenshot
from support.hub import RunningHub
from support.tablet import console_answers_tablet

ADVICE = (
    "Give her sips of water every hour tonight.\n"
    "Call us back at once if she is harder to wake or breathing faster."
)
WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")


async def _accessible(page: Page) -> None:
    impacts = ("minor", "moderate", "serious", "critical")
    assert await axe_violations(page, impacts=impacts, tags=WCAG) == []


async def test_the_tablet_shows_the_nurses_advice_after_the_call_and_on_the_residents_page(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse, tablet, call_id = await console_answers_tablet(open_page, live_hub)

    # The nurse ends the call: the tablet is on its "call ended" screen, with no advice yet.
    await nurse.locator("#end").click()
    await expect(nurse.locator("#call-state")).to_have_text("Wrap-up")
    await expect(tablet.locator("#ended-title")).to_have_text("The call has ended")
    await expect(tablet.locator("#ended-advice")).to_be_hidden()

    await nurse.check("#disposition-managed_in_place")
    await nurse.check("#nurse_counterfactual-gp_contact")
    await nurse.fill("#clinical_note", "Chest clear. Mild dehydration.")
    await nurse.fill("#advice_to_home", ADVICE)
    await _accessible(nurse)
    await nurse.click("#wrapup-submit")
    await expect(nurse.locator("#last-outcome")).to_contain_text("Record saved")

    # It arrives on the tablet's "call ended" screen, with the way to the resident's page.
    advice = tablet.locator("#ended-advice")
    await expect(advice).to_be_visible()
    await expect(tablet.locator("#ended-advice-text")).to_have_text(ADVICE)
    link = tablet.locator("#ended-advice-link")
    await expect(link).to_have_text("Edith ResidentA's page")
    await _accessible(tablet)
    await screenshot(tablet, "tablet-after-call-advice")

    # ... and is kept there: the resident's page, after the tablet has moved on.
    await link.click()
    await expect(tablet.locator("#resident-title")).to_have_text("Edith ResidentA")
    kept = tablet.locator(f'#advice-list [data-call-id="{call_id}"] .tablet-advice__text')
    await expect(kept).to_have_text(ADVICE)
    await _accessible(tablet)
    await screenshot(tablet, "tablet-resident-advice")
