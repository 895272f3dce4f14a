"""The night shift in real Chromium (issue 17): a real tablet page and a real console page.

What the home types while waiting reaches the nurse's queue card, with an alert, and the
call's thread once the nurse answers; what the nurse types in the call appears on the
tablet's in-call screen with a sound; the tablet chimes when the nurse answers.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.async_api import Page, Response, WebSocketRoute, expect

from hub.keys import DATABASE
from hub.settings import HubSettings
from schemas.codes import Role
from support.browser import DESKTOP, OpenPage, axe_violations, screenshot
from support.calls import call_request
from support.hub import RunningHub
from support.tablet import shoot, walk_to_call
from support.world import _user

# Counts the tones a page starts through WebAudio (the browser's own API, not our code):
# the console's alerts and the tablet's chimes are all oscillators.
COUNT_TONES = """
window.__tones = 0;
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return start.apply(this, args);
};
"""

HUB_PHONE = "0300 123 4567"


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    return settings.model_copy(update={"hub_phone": HUB_PHONE})


GREY = "She has just gone grey and is not answering me"


async def _console(open_page: OpenPage, username: str = "nurse.one") -> Page:
    page = await open_page(username, "/console", viewport=DESKTOP)
    await page.add_init_script(COUNT_TONES)
    await page.reload()
    await expect(page.locator("#connection")).to_have_text("Connected to the hub")
    await page.locator("body").click()  # a nurse at the console has touched it: sound may play
    return page


async def _tablet(open_page: OpenPage, live_hub: RunningHub) -> Page:
    page = await open_page(live_hub.world.home_a.staff.username, "/tablet")
    await page.add_init_script(COUNT_TONES)
    await page.goto("/tablet/call")
    return page


async def tones(page: Page) -> int:
    return int(await page.evaluate("() => window.__tones"))


async def test_what_the_home_says_while_waiting_and_in_the_call_reaches_the_other_side(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await _console(open_page)
    tablet = await _tablet(open_page, live_hub)
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
    nurse = await _console(open_page)
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
    tablet = await _tablet(open_page, live_hub)
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
    page = await _tablet(open_page, live_hub)
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
    nurse = await _console(open_page)
    specialist = await _console(open_page, "dr.one")
    tablet = await _tablet(open_page, live_hub)
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
    nurse = await _console(open_page)
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
    nurse = await _console(open_page)
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


async def test_a_nurse_opening_the_admins_shift_page_gets_a_page_not_json(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    page = await open_page("nurse.one", "/console")
    response = await page.goto("/admin/shift")
    assert response is not None and response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    await expect(page.locator("h1")).to_have_text("This page is for the hub administrator")
    await expect(page.locator("main a[href='/console']")).to_be_visible()
    assert await axe_violations(page) == []


async def _follow_ups(live_hub: RunningHub, count: int) -> None:
    """``count`` due follow-ups, one an hour back from now; every third call was the nurse's."""
    import uuid

    from hub.clock import london_month
    from hub.storage.tables import Call, FollowUpTask
    from schemas.codes import CallState, Channel, HomeIntent, Reason
    from support.world import NOW

    world = live_hub.world
    async with live_hub.app[DATABASE].session() as s:
        for n in range(count):
            started = NOW - timedelta(hours=72 + n)
            call = Call(
                id=str(uuid.uuid4()),
                site_id=world.home_a.site.id,
                person_id=world.home_a.resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.FALL_NO_INJURY.value,
                home_intent=HomeIntent.AMBULANCE_999.value,
                state=CallState.CLOSED.value,
                started_at=started,
                local_month=london_month(started),
                nurse_id=world.nurse.id if n % 3 == 0 else None,
            )
            s.add(call)
            await s.flush()
            s.add(FollowUpTask(call_id=call.id, due_at=NOW - timedelta(hours=n, minutes=30)))


DUES = "(l) => l.map((x) => x.dataset.due)"


async def test_follow_ups_come_a_page_at_a_time_filtered_and_sorted_by_due_time(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    await _follow_ups(live_hub, 45)
    page = await open_page("nurse.one", "/console/follow-ups", viewport=DESKTOP)
    tasks = page.locator("section.console-task")
    await expect(tasks).to_have_count(20)
    await expect(page.locator("#follow-ups-count")).to_contain_text("45 due")
    first = await tasks.evaluate_all(DUES)
    assert first == sorted(first)  # soonest due first
    await page.locator("nav.nhsuk-pagination a", has_text="Next").click()
    await expect(tasks).to_have_count(20)
    second = await tasks.evaluate_all(DUES)
    assert second[0] > first[-1]
    await page.locator("nav.nhsuk-pagination a", has_text="Next").click()
    await expect(tasks).to_have_count(5)
    assert await axe_violations(page) == []

    # Latest due first.
    await page.goto("/console/follow-ups?sort=latest")
    latest = await tasks.evaluate_all(DUES)
    assert latest == sorted(latest, reverse=True) and latest[0] > first[-1]
    # Mine: the calls this nurse took (every third).
    await page.goto("/console/follow-ups")
    await page.locator("#show").select_option("mine")
    await page.locator("#worklist-filter button").click()
    await expect(tasks).to_have_count(15)
    assert "show=mine" in page.url
    # Overdue: more than a day past due (OVERDUE_AFTER), so 45 - 24.
    await page.goto("/console/follow-ups?show=overdue")
    overdue = await page.locator("section.console-task--overdue").count()
    await expect(page.locator("#follow-ups-count")).to_contain_text("due")
    assert await tasks.count() == overdue > 0
    # Due today (London): due since midnight, 10:00 now, so the last ten hours.
    await page.goto("/console/follow-ups?show=today")
    await expect(tasks).to_have_count(10)
    await screenshot(page, "console-follow-ups-filtered")


async def test_pages_load_only_from_the_hub_compressed_and_cached(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """Item 15: no font (or anything) from another host; stylesheets and scripts compressed;
    stylesheets by hashed name, cached for a year; pages not compressed (BREACH)."""
    hub_origin = str(live_hub.server.make_url("/")).rstrip("/")
    for who, path in (
        ("staff.a", "/tablet"),
        ("staff.a", "/tablet/call"),
        ("nurse.one", "/console"),
        ("comm.a", "/reports"),
    ):
        page = await open_page(who, "/me")
        seen: list[str] = []
        responses: list[Response] = []
        page.on("request", lambda r, seen=seen: seen.append(r.url))
        page.on("response", lambda r, responses=responses: responses.append(r))
        await page.goto(path)
        await page.wait_for_load_state("load")
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        elsewhere = [u for u in seen if not u.startswith(hub_origin) and not u.startswith("data:")]
        assert elsewhere == [], f"{path} asked another host: {elsewhere}"
        for response in responses:
            url = response.url.removeprefix(hub_origin)
            headers = await response.all_headers()
            if url.startswith("/static/") and ".css" in url:
                assert "?v=" in url, url
                assert headers.get("content-encoding") in ("gzip", "br", "deflate"), url
                assert "immutable" in headers.get("cache-control", ""), url
            elif url.startswith("/js/"):
                assert headers.get("content-encoding") in ("gzip", "br", "deflate"), url
                assert headers.get("cache-control") == "no-cache", url
            elif url == path:
                assert "content-encoding" not in headers, url


async def test_with_no_nurse_on_shift_the_tablet_tells_the_truth(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """Item 3: nobody signed in; NEWS2 8. The tablet says so, shows the hub's phone and the
    999 advice, offers a call-back; then says when the target has passed."""
    tablet = await _tablet(open_page, live_hub)
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


PAGES = {
    "staff.a": ["/tablet", "/tablet/call", "/tablet/messages", "/tablet/check"],
    "nurse.one": ["/console", "/console/history", "/console/follow-ups", "/console/clinics"],
    "admin.one": ["/admin", "/admin/shift", "/admin/audit", "/admin/imports", "/console/clinics"],
    "dr.one": ["/console", "/console/clinics"],
    "comm.a": ["/reports"],
}


async def test_every_page_passes_axe_at_wcag_2_2_aa(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """axe-core with the WCAG 2.0-2.2 A and AA rules, every impact, on each role's pages."""
    failures = {}
    for who, paths in PAGES.items():
        page = await open_page(who, paths[0])
        for path in paths:
            await page.goto(path)
            await page.wait_for_load_state("load")
            found = await axe_violations(
                page,
                impacts=("minor", "moderate", "serious", "critical"),
                tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"),
            )
            if found:
                failures[path] = [v["id"] for v in found]
    assert failures == {}
