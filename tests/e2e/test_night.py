"""The night shift in real Chromium (issue 17): a real tablet page and a real console page.

What the home types while waiting reaches the nurse's queue card, with an alert, and the
call's thread once the nurse answers; what the nurse types in the call appears on the
tablet's in-call screen with a sound; the tablet chimes when the nurse answers; with no
nurse on shift the tablet says so; at 3am the queue holds ten calls and the keyboard is safe.
The call's media at night is test_night_media.py; the console's pages test_night_pages.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.async_api import WebSocketRoute, expect

from hub.keys import DATABASE
from hub.settings import HubSettings
from schemas.codes import Role
from support.browser import DESKTOP, OpenPage, axe_violations, screenshot
from support.calls import call_request
from support.hub import RunningHub
from support.night import HUB_PHONE, console_page, tablet_call_page, tones, with_hub_phone
from support.tablet import shoot, walk_to_call
from support.world import _user


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    return with_hub_phone(settings)


GREY = "She has just gone grey and is not answering me"


async def test_what_the_home_says_while_waiting_and_in_the_call_reaches_the_other_side(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await console_page(open_page)
    tablet = await tablet_call_page(open_page, live_hub)
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


async def test_a_tablet_refused_its_thread_for_a_moment_still_hears_the_nurse_in_the_call(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """The hub's first answer to the call page's ``message/sync`` is "unavailable" (its
    database away for a moment): the page asks again rather than sitting in the call deaf to
    what the nurse types. The refusal is made on the wire by Playwright, not by our code."""
    nurse = await console_page(open_page)
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet")
    refused: list[int] = []

    def route(page_side: WebSocketRoute) -> None:
        hub_side = page_side.connect_to_server()

        def from_page(frame: str | bytes) -> None:
            command = json.loads(frame)
            if command.get("type") == "message/sync" and not refused:
                refused.append(command["id"])
                page_side.send(
                    json.dumps(
                        {
                            "type": "error",
                            "id": command["id"],
                            "error": {
                                "code": "unavailable",
                                "message": "The hub cannot reach its records now",
                            },
                        }
                    )
                )
                return
            hub_side.send(frame)

        page_side.on_message(from_page)
        hub_side.on_message(page_side.send)

    await tablet.route_web_socket("**/ws", route)
    await tablet.goto("/tablet/call")
    call_id = await walk_to_call(
        tablet, resident="Edith ResidentA", reason="breathing_difficulty", intent="gp_urgent"
    )
    assert refused, "the call page never asked for its thread"
    await nurse.locator(f'#queue [data-call-id="{call_id}"] button[data-accept]').click()
    await expect(tablet.locator("#in-call")).to_be_visible()
    await nurse.locator("#message-body").fill("Sit her up and count her breaths.")
    await nurse.locator("#message-body").press("Enter")
    await expect(
        tablet.locator("#in-call #call-messages li", has_text="Sit her up")
    ).to_be_visible()


async def _queue_of(live_hub: RunningHub, calls: int) -> list[str]:
    tablet = await live_hub.device()
    ids = []
    for n in range(calls):
        call = await tablet.command("call/start", **call_request(live_hub, n))
        ids.append(call["id"])
    return ids


async def test_at_3am_ten_calls_fit_the_queue_with_the_overdue_counted_and_alerted_on_sign_in(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    await _queue_of(live_hub, 10)
    live_hub.clock.advance(timedelta(minutes=6))  # every one of them past the target
    nurse = await console_page(open_page)
    cards = nurse.locator("#queue > li")
    await expect(cards).to_have_count(10)
    # Item 10: the nurse signs in to calls already overdue: counted, and alerted at once.
    await expect(nurse.locator("#overdue-count")).to_have_text("10 over target")
    await expect(nurse.locator("#alert")).to_contain_text(
        "10 calls are already past the answer target"
    )
    # Compact: at least eight whole cards on a 1080p screen.
    bottoms = await cards.evaluate_all("(l) => l.map((x) => x.getBoundingClientRect().bottom)")
    assert sum(1 for b in bottoms if b <= DESKTOP["height"]) >= 8, bottoms
    # Item 12: "over target" (and the rest of an overdue card) passes contrast.
    violations = await axe_violations(nurse)
    assert [v["id"] for v in violations] == []
    await screenshot(nurse, "console-night-queue")


async def test_the_console_keyboard_is_safe_at_3am(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    async with live_hub.app[DATABASE].session() as s:
        s.add(_user("nurse.two", Role.HUB_NURSE, live_hub.world.hub))  # not signed in
    ids = await _queue_of(live_hub, 2)
    nurse = await console_page(open_page)
    await expect(nurse.locator("#queue > li")).to_have_count(2)
    await expect(nurse.locator("#roster")).to_contain_text("Nurse.Two")
    # A stray "A" does not take the top call: it asks, and a second "A" accepts.
    await nurse.keyboard.press("a")
    await expect(nurse.locator("#alert")).to_contain_text("Press A again to accept")
    await expect(nurse.locator("#call")).to_be_hidden()
    await nurse.keyboard.press("a")
    await expect(nurse.locator("#call")).to_be_visible()
    await expect(nurse.locator("#call-heading")).to_contain_text("Home A")
    # Focus goes to the call, not the page body.
    await expect(nurse.locator("#call-heading")).to_be_focused()
    # "Transfer to" does not default to a nurse who is not signed in.
    assert await nurse.evaluate("() => document.querySelector('#transfer-to').value") == ""
    # In the message box, Shift+E types "E" and the call goes on.
    await nurse.keyboard.press("m")
    await nurse.keyboard.type("Ellie is with her")
    await expect(nurse.locator("#message-body")).to_have_value("Ellie is with her")
    await nurse.keyboard.press("Enter")
    await expect(nurse.locator("#thread")).to_contain_text("Ellie is with her")
    await expect(nurse.locator("#message-body")).to_be_focused()
    await nurse.keyboard.press("Shift+E")
    await expect(nurse.locator("#call-state")).to_have_text("Connected")
    # Single-key shortcuts can be turned off (WCAG 2.1.4), and stay off after a reload.
    await nurse.keyboard.press("Escape")
    await nurse.locator("#shortcuts-toggle").click()
    await nurse.locator("#single-key-shortcuts").uncheck()
    await nurse.reload()
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    await expect(nurse.locator("#call")).to_be_visible()
    await nurse.locator("body").click()
    await nurse.keyboard.press("h")
    await nurse.keyboard.press("Shift+E")
    await expect(nurse.locator("#call-state")).to_have_text("Connected")
    assert ids


async def test_with_no_nurse_on_shift_the_tablet_tells_the_truth(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """Item 3: nobody signed in; NEWS2 8. The tablet says so, shows the hub's phone and the
    999 advice, offers a call-back; then says when the target has passed."""
    tablet = await tablet_call_page(open_page, live_hub)
    await walk_to_call(
        tablet,
        resident="Edith ResidentA",
        reason="breathing_difficulty",
        intent="ambulance_999",
        observations={
            "respiration_rate": "24",
            "spo2": "92",
            "pulse": "112",
            "systolic_bp": "105",
            "temperature": "38.4",
        },
    )
    truth = tablet.locator("#hub-truth")
    await expect(truth).to_contain_text("No nurse is signed in at the hub right now")
    await expect(tablet.locator("#advice-999")).to_be_visible()
    await expect(tablet.locator("#advice-999")).to_contain_text("call 999 now")
    phone = tablet.locator("#hub-phone a")
    await expect(phone).to_have_text(HUB_PHONE)
    await expect(phone).to_have_attribute("href", "tel:03001234567")
    await expect(truth).not_to_contain_text("waited longer")
    await shoot(tablet, "no-nurse")
    assert await axe_violations(tablet) == []

    live_hub.clock.advance(timedelta(minutes=6))
    await expect(truth).to_contain_text("waited longer than the hub's target of 5 minutes")
    await tablet.locator("#call-back").click()
    await expect(tablet.locator("#call-messages")).to_contain_text("call us back")
    await expect(tablet.locator("#call-back")).to_have_text(
        "The hub has been asked to call you back"
    )
