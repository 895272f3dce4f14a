"""In Chromium: a prison healthcare unit's enrolled tablet finds the patient by prison number
(shown as initials and prison number until the nurse reveals the name), makes an urgent call
with the prison's questions and observations; the hub nurse answers by video; the wrap-up
records that no escort was needed; the month's report counts the escort avoided."""

from __future__ import annotations

from playwright.async_api import expect

from hub.clock import london_month
from hub.services import SERVICES
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call
from schemas.reports import MonthlyReportQuery
from support.browser import OpenPage
from support.hub import RunningHub
from support.tablet import NURSE, REMOTE_FRAMES, enrolled_prison_tablet, wait_for_frames

PRISON_NUMBER = "A1234BC"
NURSE_FRAMES = "() => nurse.decodedFrames(nurse.video)"


async def _escorts_avoided(live_hub: RunningHub) -> object:
    month = london_month(live_hub.clock.now())
    report = await live_hub.app[SERVICES].reports.monthly(
        SYSTEM, MonthlyReportQuery(month=month, commissioner="QAA")
    )
    assert report.prisons is not None
    return report.prisons.total.escorts_avoided_claimed


async def test_a_prison_tablet_calls_the_nurse_answers_and_the_report_counts_the_escort_avoided(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    tablet = await enrolled_prison_tablet(
        open_page, live_hub, [("9434765889", "Jonah", PRISON_NUMBER)]
    )
    nurse = await open_page(live_hub.world.nurse.username, "/me")
    await nurse.evaluate(NURSE)
    assert await _escorts_avoided(live_hub) == 0

    await tablet.goto("/tablet/call")
    await expect(tablet.locator("#who-title")).to_be_visible()
    await tablet.locator("#prisoner-search").fill(PRISON_NUMBER.lower())
    await expect(tablet.locator("#resident-count")).to_have_text("1 patient found")
    choice = tablet.locator("#resident-list .tablet-choice").first
    await expect(choice.locator(".tablet-choice__title")).to_have_text(f"J.P. · {PRISON_NUMBER}")
    # The room sees no name until the nurse reveals it (and can hide it again).
    await expect(tablet.get_by_text("Jonah Prisoner")).to_be_hidden()
    await tablet.locator("#reveal-names").click()
    await expect(tablet.get_by_text("Jonah Prisoner", exact=False)).to_be_visible()
    await tablet.locator("#reveal-names").click()
    await expect(tablet.get_by_text("Jonah Prisoner", exact=False)).to_be_hidden()
    await choice.click()

    await expect(tablet.locator("#why-title")).to_be_visible()
    await tablet.locator("label[for='reason-chest_pain']").click()
    await tablet.locator("label[for='intent-escorted_ed']").click()
    await tablet.locator("label[for='with-healthcare_staff']").click()
    await tablet.locator("label[for='with-officer']").click()
    await tablet.locator("#step-why [data-next]").click()
    await expect(tablet.locator("#obs-title")).to_be_visible()
    for name, value in {"respiration_rate": "22", "spo2": "95", "systolic_bp": "118"}.items():
        await tablet.locator(f"#obs-{name}").fill(value)
    await tablet.locator("#obs-pulse").fill("104")
    await tablet.locator("label[for='obs-acvpu-A']").click()
    await tablet.locator("#obs-temperature").fill("37.9")
    await tablet.locator("#step-obs [data-next]").click()
    await expect(tablet.locator("#send-title")).to_be_visible()
    await expect(tablet.locator("[data-summary='about']")).to_have_text(f"J.P. · {PRISON_NUMBER}")
    await tablet.locator("#caller-name").fill("Chris Moss")
    await tablet.locator("#start-call").click()
    await expect(tablet.locator("#waiting-title")).to_be_visible()
    await tablet.wait_for_function("() => telehubTablet.state.call && telehubTablet.state.call.id")
    call_id = str(await tablet.evaluate("() => telehubTablet.state.call.id"))

    await nurse.wait_for_function("(id) => nurse.queue.some((e) => e.call.id === id)", arg=call_id)
    queued = await nurse.evaluate("(id) => nurse.queue.find((e) => e.call.id === id).call", call_id)
    assert queued["channel"] == "prison_urgent" and queued["prison_intent"] == "escorted_ed"
    assert queued["accompanied_by"] == ["healthcare_staff", "officer"]
    assert queued["news2"] is not None

    await nurse.evaluate("(id) => nurse.accept(id)", call_id)
    await expect(tablet.locator("#in-call")).to_be_visible()
    await wait_for_frames(tablet, REMOTE_FRAMES)
    await wait_for_frames(nurse, NURSE_FRAMES)

    # The wrap-up: no escorted transfer was needed.
    await nurse.evaluate(
        """async (id) => {
          await nurse.hub.command("call/end", { call_id: id });
          await nurse.hub.command("call/close", { call_id: id, disposition: "managed_in_place",
            nurse_counterfactual: "ed_attendance", clinical_note: "Chest pain settled.",
            escort_needed: false });
        }""",
        call_id,
    )
    await expect(tablet.locator("#ended-title")).to_have_text("The call has ended")
    async with live_hub.app[SERVICES].database.session() as s:
        stored = await s.get(Call, call_id)
    assert stored is not None and stored.escort_needed is False
    assert await _escorts_avoided(live_hub) in (1, "<8")  # counted (shown "<8" when suppressed)
