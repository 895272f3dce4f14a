"""A tablet removed from the hub says so, in the hub's words, and stops reconnecting."""

from __future__ import annotations

from playwright.async_api import expect

from hub.services import SERVICES
from hub.storage.scope import SYSTEM
from schemas.api import DeviceCreate
from schemas.wire import DEVICE_REMOVED
from support.browser import OpenPage
from support.hub import RunningHub


async def test_a_removed_tablet_shows_why_and_stops_reconnecting(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    identity = live_hub.app[SERVICES].identity
    device, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VHOMA", label="Lounge tablet")
    )
    tablet = await open_page(None, "/enrol")
    await tablet.locator("#enrolment-code").fill(code)
    await tablet.locator("#enrol-button").click()
    await tablet.wait_for_url("**/tablet")
    await tablet.wait_for_function("() => window.telehubTablet.hub.state === 'open'")

    assert device.id is not None
    await identity.revoke_device(SYSTEM, device.id)

    await expect(tablet.locator("#connection-text")).to_have_text(DEVICE_REMOVED)
    await expect(tablet.locator("#connection")).to_be_visible()
    assert await tablet.evaluate("() => window.telehubTablet.hub.state") == "ended"
    # The credential is useless now: the tablet forgets it rather than keep trying it.
    assert await tablet.evaluate("() => localStorage.getItem('telehub.device')") is None
