"""Signing in on the care-home tablet in real Chromium: an enrolled tablet opens its home and
signs itself back in, and a carer signs a call on the shared tablet with their PIN.
"""

from __future__ import annotations

from playwright.async_api import Page, expect
from sqlmodel import select

from hub.keys import DATABASE
from hub.services import SERVICES
from hub.storage.scope import SYSTEM
from hub.storage.tables import CallEvent
from schemas.api import DeviceCreate
from support.browser import OpenPage, assert_accessible
from support.hub import RunningHub
from support.tablet import (
    shoot,
    walk_to_call,
)


async def test_an_enrolled_tablet_opens_its_home_and_signs_itself_back_in(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    _, _, code = await live_hub.app[SERVICES].identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VHOMA", label="Lounge tablet")
    )
    tablet = await open_page(None, "/enrol")
    logged: list[str] = []
    tablet.on("console", lambda msg: logged.append(msg.text))
    await assert_accessible(tablet, "enrol")
    await shoot(tablet, "enrol")

    await tablet.locator("#enrolment-code").fill("WRONG-CODE-1")
    await tablet.locator("#enrol-button").click()
    await expect(tablet.locator("#enrol-errors")).to_be_visible()
    await expect(tablet.locator("#enrol-error-text")).to_contain_text(
        "unknown, expired or already used"
    )

    await tablet.locator("#enrolment-code").fill(code)
    await tablet.locator("#enrol-button").click()
    await tablet.wait_for_url("**/tablet")
    await expect(tablet.locator("h1")).to_have_text("Home A")
    await expect(tablet.locator("#call-hub")).to_be_visible()
    await assert_accessible(tablet, "home")
    await shoot(tablet, "home")

    # The credential stays in the tablet's storage: never on a page, in a URL or a log.
    credential = await tablet.evaluate("() => localStorage.getItem('telehub.device')")
    assert credential and len(credential) >= 20
    assert credential not in await tablet.content()
    assert not any(credential in line for line in logged)

    # The session expires (cookies gone): the tablet signs itself back in with the credential.
    await tablet.context.clear_cookies()
    await tablet.goto("/tablet/messages")
    await tablet.wait_for_url("**/tablet/messages")
    await expect(tablet.locator("h1")).to_have_text("Messages with the hub")
    assert credential not in tablet.url


async def _enrolled_tablet(open_page: OpenPage, live_hub: RunningHub) -> Page:
    _, _, code = await live_hub.app[SERVICES].identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VHOMA", label="Lounge tablet")
    )
    tablet = await open_page(None, "/enrol")
    await tablet.locator("#enrolment-code").fill(code)
    await tablet.locator("#enrol-button").click()
    await tablet.wait_for_url("**/tablet")
    return tablet


async def test_a_carer_signs_a_call_on_the_shared_tablet_with_their_pin(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    staff = live_hub.world.home_a.staff
    await live_hub.app[SERVICES].identity.set_pin(SYSTEM, staff.username, "2468")
    tablet = await _enrolled_tablet(open_page, live_hub)
    await tablet.goto("/tablet/call")
    # The tablet offers the names of its home's staff who have a PIN.
    offered = tablet.locator("#pin-holders option")
    await expect(offered).to_have_count(1)
    assert await offered.get_attribute("value") == staff.display_name

    # Not digits: refused on the tablet, before anything is sent.
    await walk_to_call(tablet, caller=staff.display_name, pin="24a8", rings=False)
    await expect(tablet.locator("#call-errors")).to_contain_text("Enter a PIN of 4 to 8 digits")
    await expect(tablet.locator("#caller-pin-error")).to_be_visible()
    await assert_accessible(tablet, "check, PIN refused")
    await shoot(tablet, "call-4-pin-refused")
    # A wrong PIN: the hub refuses, the PIN is cleared, the carer can try again.
    await tablet.locator("#caller-pin").fill("1357")
    await tablet.locator("#start-call").click()
    await expect(tablet.locator("#call-errors")).to_contain_text(
        "That name and PIN do not match anyone at this home"
    )
    await expect(tablet.locator("#caller-pin")).to_have_value("")
    await tablet.locator("#caller-pin").fill("2468")
    await tablet.locator("#start-call").click()
    await expect(tablet.locator("#waiting-title")).to_be_visible()
    await tablet.wait_for_function("() => telehubTablet.state.call?.id")
    call = await tablet.evaluate("() => telehubTablet.state.call")
    assert call["participants"][0]["name"] == staff.display_name
    await expect(tablet.locator("#caller-pin")).to_have_value("")
    async with live_hub.app[DATABASE].session() as s:
        requested = (
            await s.exec(
                select(CallEvent).where(
                    CallEvent.call_id == call["id"], CallEvent.to_state == "requested"
                )
            )
        ).one()
    assert requested.actor_user_id == staff.id
