"""Tell the nurse (issue 17 item 6) in real Chromium: when the tablet turns its own camera
off for a weak uplink, the nurse's tile says so ("The home's camera is off: weak
connection"), not a frozen picture labelled "Connected"."""

from __future__ import annotations

from playwright.async_api import expect

from support.browser import OpenPage, axe_violations, screenshot
from support.hub import RunningHub
from support.tablet import console_answers_tablet, shoot

WEAK = "The home's camera is off: weak connection"


async def test_the_nurse_is_told_when_the_tablet_turns_its_camera_off_for_a_weak_link(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse, tablet, call_id = await console_answers_tablet(open_page, live_hub)
    home_tile = nurse.locator('#videos figure[data-role="caller"] .console-tile__media')
    await expect(home_tile).to_have_text("Video", timeout=20_000)

    # The tablet's own judgement of its uplink (tests/e2e/test_night_media.py drives the rule)
    # falls back to audio only: the camera goes off, and the nurse is told why.
    await tablet.evaluate("() => telehubTablet.view.fallBackForWeakLink()")
    await expect(tablet.locator("#call-status")).to_contain_text(
        "Your video is off because the connection is weak"
    )
    await shoot(tablet, "camera-off-weak-link")
    await expect(home_tile).to_have_text(WEAK)
    await expect(home_tile).not_to_have_text("Picture frozen")
    assert await axe_violations(nurse) == []
    await screenshot(nurse, "console-home-camera-off-weak-link")
