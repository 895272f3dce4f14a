"""In Chromium: a carer at home presses the one button, answers the two optional questions,
and the nurse's queue card and SBARD show the answers and who is calling; the Gold Line
call, with no score at all, sits above a low-priority care-home call that waited longer."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.async_api import expect

from schemas.codes import CallerRelationship
from support.browser import DESKTOP, OpenPage
from support.hub import RunningHub
from support.tablet import own_home_site

PATIENT_NHS = "9434765927"  # own_home_site's patient


async def test_a_carer_answers_the_two_questions_and_the_gold_line_call_goes_first(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    ods, patient = await own_home_site(live_hub)
    # A care-home call, low priority (a fall, no observations), that has waited four minutes.
    care_home = await live_hub.device("VHOMA")
    older = await care_home.command(
        "call/start",
        client_call_id=str(uuid.uuid4()),
        person_id=world.home_a.resident.id,
        channel="care_home",
        reason="fall_no_injury",
        home_intent="gp_urgent",
    )
    assert older["priority"] == 1
    live_hub.clock.advance(timedelta(minutes=4))

    nurse = await open_page(world.nurse.username, "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    await expect(nurse.locator(f'#queue [data-call-id="{older["id"]}"]')).to_be_visible()

    credential = await live_hub.device_credential(
        site_ods=ods,
        label="Daughter's tablet",
        person_nhs_number=PATIENT_NHS,
        relationship=CallerRelationship.CARER,
    )
    tablet = await open_page(None, "/login")
    await tablet.evaluate(
        "(c) => { localStorage.setItem('telehub.device', c);"
        " localStorage.setItem('telehub.line', 'gold_line'); }",
        credential,
    )
    await tablet.goto("/login?next=/tablet")
    await tablet.wait_for_url("**/tablet")
    await tablet.wait_for_function("() => window.telehubTablet")  # the page's script is running
    await tablet.locator("#simple-call").click()
    await expect(tablet.locator("#problem-title")).to_be_visible()
    await expect(tablet.locator("#problem-title")).to_have_text("What is the main problem?")
    await tablet.locator("#step-problem .tablet-answer", has_text="Pain").click()
    await expect(tablet.locator("#else-title")).to_have_text(
        "If you could not reach us, what would you do?"
    )
    await tablet.locator("#step-else .tablet-answer", has_text="Call the district nurse").click()
    await expect(tablet.locator("#waiting-title")).to_have_text("Calling the nurse")
    await tablet.wait_for_function("() => telehubTablet.state.call && telehubTablet.state.call.id")
    call = await tablet.evaluate("() => telehubTablet.state.call")
    assert (call["channel"], call["reason"], call["home_intent"]) == (
        "gold_line",
        "pain",
        "district_nurse",
    )
    assert call["person_name"] == patient and call["caller_relationship"] == "carer"
    assert call["news2"] is None and call["priority"] == 2  # medium: the Gold Line's floor

    # The console: the Gold Line call first, above the care-home call that waited longer.
    cards = nurse.locator("#queue li[data-call-id]")
    await expect(cards).to_have_count(2)
    await expect(cards.nth(0)).to_have_attribute("data-call-id", call["id"])
    await expect(cards.nth(1)).to_have_attribute("data-call-id", older["id"])
    card = cards.nth(0)
    await expect(card).to_contain_text("Gold line (palliative)")
    await expect(card).to_contain_text("Pain")
    await expect(card).to_contain_text("Would otherwise: Call the district or community nurse")
    await expect(card).to_contain_text(f"A carer or relative calling about {patient}")

    await card.locator("button[data-accept]").click()
    sbard = nurse.locator("#sbard")
    await expect(sbard).to_contain_text(f"{patient} at Mr Patel at home: Pain.")
    await expect(sbard).to_contain_text("Calling: a carer or relative.")
    await expect(sbard).to_contain_text("call the district or community nurse")
