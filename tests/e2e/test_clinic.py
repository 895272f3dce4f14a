"""In Chromium: a specialist creates a clinic on the console, books a slot for a prisoner
(by NHS number at the prison, a wrong number refused), moves and cancels bookings; the
prison's tablet joins at the slot time and waits; the specialist sees the arrival live and
admits them, and video flows both ways; a second slot, not joined, is flagged late and
marked did-not-attend. The clinic pages pass axe (WCAG 2.2 AA, every impact)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from hub.services import SERVICES
from hub.storage.tables import Appointment, Call
from support.browser import CONSOLE_SEES, DESKTOP, OpenPage, axe_violations
from support.hub import RunningHub
from support.tablet import PRISON_SITE, REMOTE_FRAMES, enrolled_prison_tablet, wait_for_frames

FIRST = "9434765889"  # the prisoner seen at 10:30
SECOND = "9434765870"  # booked at 10:50, never joins
WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


async def _accessible(page: Page) -> None:
    assert await axe_violations(page, impacts=EVERY_IMPACT, tags=WCAG) == []


async def _book(page: Page, time: str, nhs_number: str) -> None:
    row = page.locator("#slots tr", has=page.get_by_role("rowheader", name=f"{time} GMT"))
    await row.get_by_label("Site").select_option(label=PRISON_SITE)
    await row.get_by_label("NHS number").fill(nhs_number)
    await row.get_by_role("button", name="Book").click()


def _row(page: Page, time: str):  # type: ignore[no-untyped-def]
    return page.locator("#slots tr", has=page.get_by_role("rowheader", name=f"{time} GMT"))


async def test_a_specialist_holds_a_booked_clinic_with_a_prison(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    tablet = await enrolled_prison_tablet(
        open_page, live_hub, [(FIRST, "Jonah", "A1234BC"), (SECOND, "Ravi", "B2345CD")]
    )  # 10:00 GMT
    specialist = await open_page("dr.one", "/console/clinics", viewport=DESKTOP)
    await _accessible(specialist)

    form = specialist.locator("#create-clinic")
    await form.get_by_label("Specialty").fill("Dermatology")
    await form.get_by_label("First slot (UK time, HH:MM)").fill("10:30")
    await form.get_by_label("Minutes each slot").fill("20")
    await form.get_by_label("Number of slots").fill("3")
    await form.get_by_role("button", name="Create clinic").click()
    await specialist.wait_for_url(re.compile(r"/console/clinics/\d+$"))
    await expect(specialist.locator("#clinic-title")).to_have_text("Dermatology clinic")
    await expect(specialist.locator("#slots tbody tr")).to_have_count(3)

    await _book(specialist, "10:30", "943 476 5880")  # a wrong check digit
    await expect(specialist.locator(".nhsuk-error-summary")).to_contain_text("not a valid NHS")
    await _accessible(specialist)  # the page with its error summary
    await _book(specialist, "10:30", FIRST)
    await expect(specialist.locator("#clinic-status")).to_have_text("Slot booked.")
    await _book(specialist, "11:10", SECOND)
    await expect(_row(specialist, "11:10")).to_contain_text("Ravi Prisoner")
    await _row(specialist, "11:10").get_by_label("Move to").select_option(label="10:50 GMT")
    await _row(specialist, "11:10").get_by_role("button", name="Move").click()
    await expect(specialist.locator("#clinic-status")).to_have_text("Appointment moved.")
    await expect(_row(specialist, "10:50")).to_contain_text("Ravi Prisoner")
    await expect(_row(specialist, "11:10")).to_contain_text("Free")
    await _book(specialist, "11:10", FIRST)
    await _row(specialist, "11:10").get_by_role("button", name="Cancel").click()
    await expect(specialist.locator("#clinic-status")).to_have_text("Appointment cancelled.")
    await expect(_row(specialist, "11:10")).to_contain_text("Free")
    await expect(_row(specialist, "10:30").get_by_role("button", name="Admit")).to_be_disabled()
    await _accessible(specialist)
    clinic_url = specialist.url

    # 10:25: the prison's tablet joins the waiting room; the specialist sees it live.
    live_hub.clock.advance(timedelta(minutes=25))
    await specialist.reload()
    await specialist.wait_for_function("() => telehubClinic.hub.state === 'open'")
    await tablet.goto("/tablet/clinics")
    join = tablet.locator("[data-join]").first
    await expect(join).to_be_enabled()
    await join.click()
    await expect(tablet.locator("#clinic-status")).to_contain_text("waiting room")
    first = _row(specialist, "10:30")
    await expect(first.locator("[data-cell='arrival']")).to_contain_text("Arrived 10:25")
    await expect(specialist.locator("#clinic-status")).to_contain_text("arrived")

    # Admit: an ordinary call, on the console, with video both ways.
    await first.get_by_role("button", name="Admit").click()
    await specialist.wait_for_url("**/console")
    await specialist.wait_for_function(CONSOLE_SEES, arg="caller", timeout=30_000)
    await tablet.wait_for_url("**/tablet/call", timeout=15_000)
    await expect(tablet.locator("#in-call")).to_be_visible()
    await wait_for_frames(tablet, REMOTE_FRAMES)
    console_page = specialist

    # 11:01: the 10:50 slot was never joined: flagged late, live on the clinic's page (the
    # hub's reminder timer), which then offers did-not-attend.
    clinic = await specialist.context.new_page()
    await clinic.goto(clinic_url)
    await clinic.wait_for_function("() => telehubClinic.hub.state === 'open'")
    second = _row(clinic, "10:50")
    await expect(second.locator("[data-cell='arrival']")).to_have_text("Not arrived")
    live_hub.clock.advance(timedelta(minutes=36))
    await expect(second.locator("[data-cell='arrival']")).to_have_text(
        "Late: not joined", timeout=15_000
    )
    await expect(clinic.locator("#clinic-status")).to_contain_text("not joined 10 minutes")
    await second.get_by_role("button", name="Did not attend").click()
    await expect(clinic.locator("#clinic-status")).to_have_text("Recorded as did not attend.")
    await expect(_row(clinic, "10:50").locator("[data-cell='status']")).to_have_text(
        "Did not attend"
    )
    await expect(_row(clinic, "10:30").locator("[data-cell='status']")).to_have_text("Held")
    await _accessible(clinic)

    # The specialist ends the call and records its outcome on the console, as a nurse does.
    await console_page.bring_to_front()
    await console_page.locator("#end").click()
    await expect(console_page.locator("#call-state")).to_have_text("Wrap-up")
    await console_page.check("#disposition-specialist_advice")
    await console_page.check("#nurse_counterfactual-gp_contact")
    await console_page.check("#escort_needed-no")
    await console_page.fill("#clinical_note", "Rash reviewed by video; treatment agreed.")
    await console_page.click("#wrapup-submit")
    await expect(console_page.locator("#last-outcome")).to_contain_text("Record saved")
    async with live_hub.app[SERVICES].database.session() as s:
        held_id = await _row(clinic, "10:30").get_attribute("data-appointment-id")
        held = await s.get(Appointment, int(held_id or 0))
    assert held is not None and held.status == "held" and held.call_id is not None
    async with live_hub.app[SERVICES].database.session() as s:
        call = await s.get(Call, held.call_id)
    assert call is not None and call.state == "closed" and call.escort_needed is False
