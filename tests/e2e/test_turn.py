"""TURN (issue 17 item 9): a call whose media may only go through the hub's TURN server
(``HUB_ICE_TRANSPORT_POLICY=relay``), in real Chromium, through Debian's coturn checking the
hub's time-limited credentials with the shared secret, as ops/coturn/turnserver.conf sets it
up. If the credentials were wrong or the server unused, no video would flow."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import expect

from hub.settings import HubSettings
from schemas.signalling import IceTransportPolicy
from support.browser import DESKTOP, OpenPage
from support.hub import RunningHub
from support.servers import TurnServer
from support.tablet import walk_to_call

SECRET = secrets.token_hex(16)

# The candidate types of the pair each of the tablet's peer connections chose (its own
# side, then the far side), from the browser's own statistics.
CHOSEN_PAIRS = """async () => {
  const types = [];
  for (const { pc } of window.telehubTablet.state.mesh.peers.values()) {
    const stats = await pc.getStats();
    let chosen = null;
    stats.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) chosen = r.selectedCandidatePairId;
    });
    const pair = stats.get(chosen);
    types.push([stats.get(pair.localCandidateId).candidateType,
                stats.get(pair.remoteCandidateId).candidateType]);
  }
  return types;
}"""


@pytest.fixture
async def turn(tmp_path: Path) -> AsyncIterator[TurnServer]:
    server = TurnServer(tmp_path, SECRET)
    try:
        await server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(settings: HubSettings, turn: TurnServer) -> HubSettings:
    return settings.model_copy(
        update={
            "ice_servers": [{"urls": [turn.url]}],
            "turn_shared_secret": SECRET,
            "ice_transport_policy": IceTransportPolicy.RELAY,
        }
    )


async def test_a_call_relayed_through_coturn_with_the_hubs_credentials_has_video_both_ways(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    # coturn judges the credentials' expiry by the real clock: the hub's must agree with it.
    live_hub.clock.advance(datetime.now(UTC) - live_hub.clock.now())
    nurse = await open_page("nurse.one", "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/call")
    call_id = await walk_to_call(tablet, reason="breathing_difficulty", intent="gp_urgent")
    await nurse.locator(f'#queue [data-accept="{call_id}"]').click()

    media = tablet.locator("#media-state")
    await expect(media).to_have_attribute("data-media", "video", timeout=30_000)
    caller = nurse.locator('#videos figure[data-role="caller"]')
    await expect(caller).to_have_attribute("data-media", "video", timeout=30_000)
    # Both ends of the chosen pair are relay candidates: media went through coturn (the only
    # TURN server), which accepted the credentials the hub signed.
    assert await tablet.evaluate(CHOSEN_PAIRS) == [["relay", "relay"]]
