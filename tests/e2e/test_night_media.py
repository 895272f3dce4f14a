"""A night call's media in real Chromium (issue 17): the camera stays on through Chromium's
ramp-up and only sustained evidence turns it off; media state is judged from what arrives,
and a three-way call shows each picture once with its media state on both sides.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.settings import HubSettings
from support.browser import OpenPage
from support.hub import RunningHub
from support.night import console_page, tablet_call_page, with_hub_phone
from support.tablet import shoot, walk_to_call


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    return with_hub_phone(settings)


# Chromium's ramp-up on a perfect loopback link, as recorded: the encoder says "bandwidth"
# for the first seconds while the estimate climbs from audio's to video's.
RAMP_UP = """async () => {
  const { uplinkTooPoor } = await import('/js/tablet/media.js');
  const ramp = [300e3, 600e3, 900e3, 1.4e6, 2.1e6, 2.6e6, 3.1e6, 3.3e6].map((bps, i) => ({
    at: 6000 + i * 2000, limitation: 'bandwidth', outgoingBitrate: bps,
    roundTrip: 0.003, fractionLost: 0,
  }));
  const weak = [0, 1, 2, 3, 4, 5].map((i) => ({
    at: 20000 + i * 2000, limitation: 'bandwidth', outgoingBitrate: 90e3,
    roundTrip: 0.4, fractionLost: 0.02,
  }));
  const lossy = [0, 1, 2, 3, 4, 5].map((i) => ({
    at: 20000 + i * 2000, limitation: 'none', outgoingBitrate: 900e3,
    roundTrip: 0.9, fractionLost: 0.25,
  }));
  const blip = [...weak.slice(0, 3), {...weak[3], outgoingBitrate: 1.2e6}, ...weak.slice(4)];
  return {
    rampUp: uplinkTooPoor(ramp, 0),
    weakAfterRamp: uplinkTooPoor(weak, 0),
    weakDuringRamp: uplinkTooPoor(weak, 18000),
    lossy: uplinkTooPoor(lossy, 0),
    blip: uplinkTooPoor(blip, 0),
  };
}"""


async def test_the_camera_stays_on_through_ramp_up_and_only_sustained_evidence_turns_it_off(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    tablet = await tablet_call_page(open_page, live_hub)
    judged = await tablet.evaluate(RAMP_UP)
    assert judged == {
        "rampUp": False,  # today's rule turned the camera off here
        "weakAfterRamp": True,
        "weakDuringRamp": False,
        "lossy": True,
        "blip": False,
    }


MEDIA_STATE = """async () => {
  const { judgeMedia } = await import('/js/shared/media-state.js');
  const s = (at, frames, _bytes, audio, ice = "connected") =>
    ({ at, framesDecoded: frames, audioPackets: audio, ice });
  return {
    starting: judgeMedia([s(1000, 0, 0, 0, 'checking')], { since: 0 }),
    video: judgeMedia([s(1000, 10, 9e3, 50), s(2000, 40, 30e3, 100)], { since: 0 }),
    audioOnly: judgeMedia([s(3000, 0, 0, 50), s(4000, 0, 0, 100), s(5000, 0, 0, 150)],
                          { since: 0 }),
    frozen: judgeMedia([s(3000, 90, 9e4, 50), s(4000, 90, 9e4, 100), s(5000, 90, 9e4, 150)],
                       { since: 0 }),
    nothingYet: judgeMedia([s(3000, 0, 0, 0), s(4000, 0, 0, 0)], { since: 0 }),
    nothingAfter10s: judgeMedia([s(11000, 0, 0, 0), s(12000, 0, 0, 0)], { since: 0 }),
    iceFailed: judgeMedia([s(3000, 0, 0, 0, 'failed')], { since: 0 }),
  };
}"""


async def test_media_state_is_judged_from_what_arrives(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    page = await tablet_call_page(open_page, live_hub)
    assert await page.evaluate(MEDIA_STATE) == {
        "starting": "connecting",
        "video": "video",
        "audioOnly": "audio_only",
        "frozen": "frozen",
        "nothingYet": "connecting",
        "nothingAfter10s": "no_media",
        "iceFailed": "failed",
    }


async def test_a_three_way_call_shows_each_picture_once_and_its_media_state_on_both_sides(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    nurse = await console_page(open_page)
    specialist = await console_page(open_page, "dr.one")
    tablet = await tablet_call_page(open_page, live_hub)
    call_id = await walk_to_call(tablet, reason="breathing_difficulty", intent="gp_urgent")
    await nurse.locator(f'#queue [data-accept="{call_id}"]').click()

    # Item 7: the media state, apart from the call's state, on both sides.
    media = tablet.locator("#media-state")
    await expect(media).to_have_attribute("data-media", "video", timeout=20_000)
    await expect(media).to_have_text("Video connected")
    caller_tile = nurse.locator('#videos figure[data-role="caller"]')
    await expect(caller_tile).to_have_attribute("data-media", "video", timeout=20_000)
    await expect(caller_tile.locator(".console-tile__media")).to_have_text("Video")

    # Item 8: the specialist joins; the tablet shows the specialist's picture once.
    await nurse.select_option("#invite-who", str(world.specialist.id))
    await nurse.click("#invite")
    await expect(specialist.locator("#ring")).to_be_visible()
    await specialist.keyboard.press("j")
    others = tablet.locator("#other-videos video")
    await tablet.wait_for_function(
        "() => [...document.querySelectorAll('#other-videos video')]"
        ".some((v) => telehubTablet.decodedFrames(v) > 5)",
        timeout=20_000,
    )
    await expect(others).to_have_count(1)

    # The nurse's camera stops sending: the tablet says the picture is frozen, not connected.
    await nurse.evaluate(
        "() => document.querySelector('#videos figure[data-key=self] video')"
        ".srcObject.getVideoTracks().forEach((t) => t.stop())"
    )
    await expect(media).to_have_attribute("data-media", "frozen", timeout=20_000)
    await expect(media).to_contain_text("frozen")
    await expect(tablet.locator("#call-status")).not_to_have_text("Connected to Nurse.One.")
    await shoot(tablet, "picture-frozen")
