"""The way out (issue 17 item 7) in real Chromium: when media does not start within 10 s
both the tablet and the console offer to try again, to carry on with sound only, and the
hub's phone number. Media is blocked for real: the only ICE server is a TURN address where
nothing listens, and the hub asks for relayed media only, so no candidate pair can form."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.settings import HubSettings
from schemas.signalling import IceTransportPolicy
from support.browser import DESKTOP, OpenPage, axe_violations
from support.hub import RunningHub
from support.tablet import walk_to_call

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
    nurse = await open_page("nurse.one", "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/call")
    call_id = await walk_to_call(
        tablet, resident="Edith ResidentA", reason="breathing_difficulty", intent="gp_urgent"
    )
    await nurse.locator(f'#queue [data-call-id="{call_id}"] button[data-accept]').click()
    await expect(tablet.locator("#in-call")).to_be_visible()

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

    # Sound only: the console's own camera stops being sent, and the offer goes away.
    await nurse.locator("#media-audio-only").click()
    await expect(console_help).to_be_hidden()
    sending = await nurse.evaluate(
        "() => [...document.querySelectorAll('#videos video')].flatMap((v) =>"
        " v.srcObject ? v.srcObject.getVideoTracks().map((t) => t.enabled) : [])"
    )
    assert False in sending
