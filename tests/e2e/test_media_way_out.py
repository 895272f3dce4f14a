"""The way out (issue 17 item 7) in real Chromium: when media does not start within 10 s
both the tablet and the console offer to try again, to carry on with sound only, and the
hub's phone number. Media is blocked for real: the only ICE server is a TURN address where
nothing listens, and the hub asks for relayed media only, so no candidate pair can form."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.settings import HubSettings
from schemas.signalling import IceTransportPolicy
from support.browser import OpenPage, axe_violations, screenshot
from support.hub import RunningHub
from support.tablet import console_answers_tablet, shoot

HUB_PHONE = "0300 123 4567"
WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
PAST_MEDIA_START = 25_000  # ms: the 10 s media-start window and the samples after it


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    return settings.model_copy(
        update={
            "hub_phone": HUB_PHONE,
            "ice_servers": [{"urls": ["turn:127.0.0.1:9?transport=udp"]}],
            "turn_shared_secret": "a" * 32,
            "ice_transport_policy": IceTransportPolicy.RELAY,
        }
    )


async def test_both_sides_offer_the_way_out_when_media_does_not_start(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse, tablet, call_id = await console_answers_tablet(open_page, live_hub)

    tablet_help = tablet.locator("#media-help")
    await expect(tablet_help).to_be_visible(timeout=PAST_MEDIA_START)
    await expect(tablet.locator("#media-retry")).to_be_visible()
    await expect(tablet.locator("#media-audio-only")).to_be_visible()
    await expect(tablet_help).to_contain_text(HUB_PHONE)

    console_help = nurse.locator("#media-help")
    await expect(console_help).to_be_visible(timeout=PAST_MEDIA_START)
    await expect(nurse.locator("#media-retry")).to_be_visible()
    await expect(nurse.locator("#media-audio-only")).to_be_visible()
    await expect(console_help).to_contain_text(HUB_PHONE)
    assert await axe_violations(nurse, tags=WCAG) == []
    assert await axe_violations(tablet, tags=WCAG) == []
    await shoot(tablet, "media-way-out")
    await screenshot(nurse, "console-media-way-out")

    # Sound only: the console's own camera stops being sent, and the offer goes away.
    await nurse.locator("#media-audio-only").click()
    await expect(console_help).to_be_hidden()
    sending = await nurse.evaluate(
        "() => [...document.querySelectorAll('#videos video')].flatMap((v) =>"
        " v.srcObject ? v.srcObject.getVideoTracks().map((t) => t.enabled) : [])"
    )
    assert False in sending
