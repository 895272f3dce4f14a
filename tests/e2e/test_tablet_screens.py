"""The care-home tablet's screens in real Chromium: NEWS2 as the carer types, the one big
button for patients at home, and portrait; each checked with axe-core and photographed.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from hub.clinical.news2 import score_news2
from schemas.observations import Observations
from support.browser import TABLET_PORTRAIT, OpenPage, assert_accessible
from support.hub import RunningHub
from support.tablet import (
    REMOTE_FRAMES,
    nurse_page,
    own_home_site,
    shoot,
    wait_for_frames,
    walk_to_call,
)


async def test_news2_shown_while_typing_matches_the_hub_score(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    page = await open_page(live_hub.world.home_a.staff.username, "/tablet/call")
    cases: list[dict[str, Any]] = [
        {"respiration_rate": 8, "spo2": 91, "systolic_bp": 90, "pulse": 40, "temperature": 35.0},
        {
            "respiration_rate": 21,
            "spo2": 96,
            "on_oxygen": False,
            "systolic_bp": 220,
            "pulse": 131,
            "consciousness": "A",
            "temperature": 39.1,
        },
        {
            "respiration_rate": 12,
            "spo2": 94,
            "on_oxygen": True,
            "systolic_bp": 111,
            "pulse": 91,
            "consciousness": "C",
            "temperature": 35.05,
        },
        {"spo2": 93, "spo2_scale": 2},
        {"spo2": 97, "spo2_scale": 2, "on_oxygen": True, "temperature": 36.05},
        {"spo2": 88, "spo2_scale": 2, "on_oxygen": True, "temperature": 38.05},
        {"spo2": 86, "spo2_scale": 2, "temperature": 39.05, "pulse": 51},
        {"respiration_rate": 25, "consciousness": "U"},
        {"temperature": 36.0},
        {},
    ]
    from_js = await page.evaluate(
        """async (cases) => {
          const { scoreNews2, formatNews2 } = await import('/js/tablet/news2.js');
          return cases.map((c) => { const r = scoreNews2(c); return [r.total, r.band, r.complete,
            Object.keys(r.parameter_scores).sort(), r.notes, formatNews2(r)]; });
        }""",
        cases,
    )
    from hub.clinical.news2 import format_news2

    for case, js in zip(cases, from_js, strict=True):
        py = score_news2(Observations.model_validate(case))
        expected = [
            py.total,
            py.band.value,
            py.complete,
            sorted(py.parameter_scores),
            list(py.notes),
            format_news2(py),
        ]
        assert js == expected, f"{case}: browser {js} != hub {expected}"


async def test_home_patients_get_one_big_button(open_page: OpenPage, live_hub: RunningHub) -> None:
    ods, patient = await own_home_site(live_hub)
    credential = await live_hub.device_credential(site_ods=ods, label="Mr Patel's tablet")
    nurse = await nurse_page(open_page, live_hub)
    tablet = await open_page(None, "/login")
    await tablet.evaluate("(c) => localStorage.setItem('telehub.device', c)", credential)
    await tablet.goto("/login?next=/tablet")  # signs itself in and goes home
    await tablet.wait_for_url("**/tablet")
    await expect(tablet.locator("#simple-call")).to_have_text("Call the nurse")
    await expect(tablet.locator("#resident-search")).to_have_count(0)
    await assert_accessible(tablet, "home patient")
    await shoot(tablet, "home-patient")
    await tablet.locator("summary").click()
    await tablet.locator("label[for='line-gold_line']").click()
    await tablet.wait_for_function("() => window.telehubTablet")  # the page's script is running
    await tablet.locator("#simple-call").click()
    # The two optional questions, both skipped: the call says neither
    for question in ("#step-problem", "#step-else"):
        await tablet.locator(f"{question} .tablet-answer-skip").click()
    await expect(tablet.locator("#waiting-title")).to_have_text("Calling the nurse")
    await tablet.wait_for_function("() => telehubTablet.state.call && telehubTablet.state.call.id")
    call = await tablet.evaluate("() => telehubTablet.state.call")
    assert call["channel"] == "gold_line" and call["person_name"] == patient
    assert (call["reason"], call["home_intent"]) == ("unknown", "unknown")
    await nurse.evaluate("(id) => nurse.accept(id)", call["id"])
    await wait_for_frames(tablet, REMOTE_FRAMES)
    await shoot(tablet, "home-patient-in-call")
    # A Gold Line call's wrap-up says what it led to (issue 13).
    await nurse.evaluate(
        "(id) => nurse.finish(id, { gold_line_outcome: 'resolved_by_hub' })", call["id"]
    )
    await expect(tablet.locator("#ended-title")).to_be_visible()


async def test_the_tablet_works_in_portrait(open_page: OpenPage, live_hub: RunningHub) -> None:
    tablet = await open_page(
        live_hub.world.home_a.staff.username, "/tablet", viewport=TABLET_PORTRAIT
    )
    await expect(tablet.locator("#call-hub")).to_be_visible()
    await assert_accessible(tablet, "home, portrait")
    await tablet.goto("/tablet/call")
    await assert_accessible(tablet, "call, portrait")
    # A carer changes their mind while waiting: the call is cancelled, nothing more happens.
    await walk_to_call(tablet, reason="medication_query", intent="gp_urgent")
    await expect(tablet.locator("#queue-text")).to_have_text("You are next in the queue.")
    await tablet.locator("#cancel-call").click()
    await expect(tablet.locator("#ended-title")).to_have_text("Call cancelled")
    assert await live_hub.services.announce.queue() == []
