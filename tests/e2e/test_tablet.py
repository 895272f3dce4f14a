"""The care-home tablet in real Chromium: "I'm worried about Mrs Jones" to a video call.

A tablet page (staff signed in) asks for a call with observations; a nurse in a second page
answers with the shared browser modules (not the console page); the tablet's remote video
shows decoded frames, or audio alone when the camera fails. Each tablet screen is checked
with axe-core and photographed at tablet size into docs/screens/. The tablet's other
screens are test_tablet_screens.py, its sign-in test_tablet_sign_in.py, its messages
test_tablet_messages.py.
"""

from __future__ import annotations

import os
import statistics
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import expect
from sqlmodel import select

from hub.keys import DATABASE
from hub.storage.tables import CallQualityReport
from support.browser import OpenPage, assert_accessible
from support.call_setup import (
    TRACE,
    SetupMarks,
    Timing,
    breakdown,
    commit_between,
    commits,
    page_marks,
    write_tablet_section,
)
from support.hub import RunningHub
from support.tablet import (
    DIRECT_PEER,
    NURSE_FRAMES,
    REMOTE_FRAMES,
    nurse_page,
    shoot,
    wait_for_frames,
    walk_to_call,
)


async def test_a_tablet_calls_with_observations_and_a_nurse_answers_by_video(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    nurse = await nurse_page(open_page, live_hub)
    tablet = await open_page(world.home_a.staff.username, "/tablet/call")

    async def each_step(name: str) -> None:
        await assert_accessible(tablet, name)
        await shoot(tablet, f"call-{name}")

    call_id = await walk_to_call(
        tablet,
        resident="Edith ResidentA",
        reason="breathing_difficulty",
        intent="ambulance_999",
        soft_signs=("breathlessness", "confusion_drowsiness"),
        observations={
            "respiration_rate": "24",
            "spo2": "93",
            "on_oxygen": False,
            "systolic_bp": "105",
            "pulse": "112",
            "consciousness": "A",
            "temperature": "38.4",
        },
        concern="Breathless since lunch, more than usual.",
        caller="Sam Carer",
        on_each_step=each_step,
    )
    # NEWS2 as typed: 2 + 2 + 0 + 1 + 2 + 0 + 1 = 8 (high), before the hub says anything.
    await expect(tablet.locator("[data-summary='news2']")).to_have_text("NEWS2 8 (high)")

    # Waiting: the place in the queue and the time; everything entered is with the hub.
    await expect(tablet.locator("#queue-text")).to_have_text("You are next in the queue.")
    await expect(tablet.locator("#wait-time")).to_contain_text("Waiting")
    await nurse.wait_for_function("(id) => nurse.queue.some((e) => e.call.id === id)", arg=call_id)
    entry: dict[str, Any] = await nurse.evaluate(
        "(id) => nurse.queue.find((e) => e.call.id === id).call", call_id
    )
    assert entry["person_name"] == "Edith ResidentA"
    assert entry["reason"] == "breathing_difficulty" and entry["home_intent"] == "ambulance_999"
    assert entry["news2"]["total"] == 8 and entry["news2"]["band"] == "high"
    assert entry["concern"] == "Breathless since lunch, more than usual."
    assert entry["soft_signs"] == ["breathlessness", "confusion_drowsiness"]
    assert entry["participants"][0]["name"] == "Sam Carer"
    assert "Situation" in (entry["sbard"] or "")

    # A message to the hub while waiting, and the nurse's reply: each shown once.
    await tablet.locator("#call-message").fill("She is now on the bed, sitting up.")
    await tablet.locator("#call-message-form button").click()
    await nurse.wait_for_function(
        "() => nurse.messages.some((m) => m.body === 'She is now on the bed, sitting up.')"
    )
    site_id = world.home_a.site.id
    await nurse.evaluate(
        "(site) => nurse.hub.command('message/send', {site_id: site, client_message_id: 'n-1',"
        " body: 'Thank you, answering in a moment.'})",
        site_id,
    )
    reply = tablet.locator("#call-messages li", has_text="Thank you, answering in a moment.")
    await expect(reply).to_have_count(1)
    await expect(tablet.locator("#call-messages li")).to_have_count(2)
    await assert_accessible(tablet, "waiting")
    await shoot(tablet, "waiting")

    # The nurse answers: the tablet's big video shows the nurse, and the nurse sees the tablet.
    await nurse.evaluate("(id) => nurse.accept(id)", call_id)
    await expect(tablet.locator("#in-call")).to_be_visible()
    await wait_for_frames(tablet, REMOTE_FRAMES)
    await wait_for_frames(nurse, NURSE_FRAMES)
    await expect(tablet.locator("#call-status")).to_have_text("Connected to Nurse.One.")
    await assert_accessible(tablet, "in call")
    await shoot(tablet, "in-call")

    # Controls: mute, camera off and on, switch camera (Chromium's fake device has one).
    await tablet.locator("#mute").click()
    await expect(tablet.locator("#mute")).to_have_text("Unmute")
    assert await tablet.evaluate("() => telehubTablet.state.media.audioTrack.enabled") is False
    await tablet.locator("#mute").click()
    await tablet.locator("#camera").click()
    await expect(tablet.locator("#camera")).to_have_text("Camera on")
    await expect(tablet.locator("#self-video")).to_be_hidden()
    await tablet.locator("#camera").click()
    await expect(tablet.locator("#camera")).to_have_text("Camera off")
    await expect(tablet.locator("#self-video")).to_be_visible()
    # The link is judged again once video has been back long enough to judge it (the
    # estimate left from audio alone must not switch the camera straight off again).
    back_at = await tablet.evaluate("() => telehubTablet.state.media.videoSince")
    await tablet.wait_for_function(
        "(t) => telehubTablet.state.samples.filter((s) => s.at > t).length >= 3",
        arg=back_at + 5000,
        timeout=30_000,
    )
    await expect(tablet.locator("#camera")).to_have_text("Camera off")
    await expect(tablet.locator("#self-video")).to_be_visible()
    frames = await wait_for_frames(nurse, NURSE_FRAMES)
    await wait_for_frames(nurse, NURSE_FRAMES, frames + 10)  # the new camera track arrives
    await tablet.locator("#switch-camera").click()

    # The tablet's socket is cut: it says so, media carries on peer to peer, and it comes back.
    await tablet.context.set_offline(True)
    await tablet.evaluate("() => telehubTablet.hub.drop()")
    banner = tablet.locator("#connection")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("Reconnecting to the hub…")
    await shoot(tablet, "reconnecting")
    frames = await wait_for_frames(tablet, REMOTE_FRAMES)
    await wait_for_frames(tablet, REMOTE_FRAMES, frames + 15)
    await tablet.context.set_offline(False)
    await expect(banner).to_be_hidden(timeout=20_000)
    await nurse.wait_for_function(
        "(id) => nurse.calls[id].participants.every((p) => p.connected)", arg=call_id
    )
    frames = await wait_for_frames(tablet, REMOTE_FRAMES)
    await wait_for_frames(tablet, REMOTE_FRAMES, frames + 15)
    await wait_for_frames(nurse, NURSE_FRAMES, await wait_for_frames(nurse, NURSE_FRAMES) + 15)

    # The nurse ends the call; the tablet says so and offers the way home.
    await nurse.evaluate("(id) => nurse.finish(id)", call_id)
    await expect(tablet.locator("#ended-title")).to_have_text("The call has ended")
    await assert_accessible(tablet, "ended")
    await shoot(tablet, "ended")


async def test_a_call_falls_back_to_audio_only_when_the_camera_fails(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await nurse_page(open_page, live_hub)
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet")
    # This tablet's camera is broken: any request for video fails, as a busy camera does.
    await tablet.add_init_script(
        """
        const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = (c) => c && c.video
          ? Promise.reject(new DOMException("Could not start video source", "NotReadableError"))
          : real(c);
        """
    )
    await tablet.goto("/tablet/call")
    call_id = await walk_to_call(tablet, reason="fall_no_injury", intent="gp_urgent")
    await expect(tablet.locator("#preview-caption")).to_contain_text("Audio only")
    await nurse.evaluate("(id) => nurse.accept(id)", call_id)
    await expect(tablet.locator("#in-call")).to_be_visible()
    # The tablet still sees the nurse; the nurse hears the tablet.
    await wait_for_frames(tablet, REMOTE_FRAMES)
    await nurse.wait_for_function("async () => (await nurse.audioPacketsIn()) > 20")
    await expect(tablet.locator("#call-status")).to_contain_text("Audio only")
    await expect(tablet.locator("#self-video")).to_be_hidden()
    await assert_accessible(tablet, "audio only")
    await shoot(tablet, "audio-only")

    # And the rule that turns video off when the uplink is poor, as judged from stats.
    judged = await tablet.evaluate(
        """async () => {
          const { uplinkTooPoor } = await import('/js/tablet/media.js');
          const poor = {limitation: 'bandwidth', outgoingBitrate: 90000};
          const good = {limitation: 'none', outgoingBitrate: 2000000};
          // Samples from the first seconds after the camera (re)starts do not count.
          const ramp = [0, 2000, 4000, 6000, 8000].map((at) => ({...poor, at}));
          return [uplinkTooPoor([poor, poor, poor, poor, poor]),
                  uplinkTooPoor([poor, poor, good, poor, poor]),
                  uplinkTooPoor(ramp, 0), uplinkTooPoor(ramp, -20000)];
        }"""
    )
    assert judged == [True, False, False, True]

    # The carer ends the call from the tablet; the nurse sees them leave and wraps up.
    await tablet.locator("#end-call").click()
    await expect(tablet.locator("#ended-title")).to_have_text("You left the call")
    # The tablet reported, by itself and before leaving, that it was in the call by audio alone.
    async with live_hub.app[DATABASE].session() as s:
        reports = (await s.exec(select(CallQualityReport))).all()
    staff = live_hub.world.home_a.staff
    assert [(r.call_id, r.reporter, r.video_seconds) for r in reports] == [
        (call_id, f"user:{staff.id}", 0)
    ]
    assert reports[0].audio_only_seconds >= 1
    await nurse.wait_for_function(
        "(id) => nurse.calls[id].participants.every((p) => p.role !== 'caller')", arg=call_id
    )
    await nurse.evaluate("(id) => nurse.finish(id)", call_id)


async def test_the_equipment_check_passes_with_the_hubs_echo_peer(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/check")
    await assert_accessible(tablet, "check")
    await tablet.locator("#run-check").click()
    verdict = tablet.locator("#verdict")
    await expect(verdict).to_have_attribute("data-kind", "pass", timeout=30_000)
    await expect(verdict).to_contain_text("Everything works. You are ready to call the hub.")
    result = await tablet.evaluate("() => telehubTablet.result")
    assert result["camera"] is True and result["microphone"] is True and result["call"] is True
    for check in ("camera", "microphone", "call"):
        await expect(tablet.locator(f"[data-check='{check}']")).to_contain_text("Working")
    await assert_accessible(tablet, "check, done")
    await shoot(tablet, "check")


CALLS = 10


async def test_accept_to_first_frame_is_close_to_a_direct_connection(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """Median of 10 calls, each walked through the tablet's four steps, against a direct
    peer connection between two pages measured in the same run; written to performance.md."""
    load_before = os.getloadavg()[0]
    nurse = await nurse_page(open_page, live_hub)
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/call")
    hub_ms: list[float] = []
    through_hub = SetupMarks()
    for n in range(CALLS):
        if n:
            await tablet.goto("/tablet/call")
        call_id = await walk_to_call(tablet, reason="fall_no_injury", intent="gp_urgent")
        await tablet.evaluate(TRACE)
        await nurse.evaluate(TRACE)
        with commits(live_hub.app[DATABASE]) as committed:
            await nurse.evaluate("(id) => nurse.accept(id)", call_id)
            await wait_for_frames(tablet, REMOTE_FRAMES)
        await tablet.wait_for_function("() => telehubTablet.state.firstFrameAt")
        first = await tablet.evaluate("() => telehubTablet.state.firstFrameAt")
        accepted = await nurse.evaluate("() => nurse.acceptAt")
        hub_ms.append(first - accepted)
        nurse_marks = await page_marks(nurse)
        through_hub.add(
            accepted,
            first,
            nurse=nurse_marks,
            tablet=await page_marks(tablet),
            hub=commit_between(committed, accepted, nurse_marks.get("accept reply", first)),
        )
        await nurse.evaluate("(id) => nurse.finish(id)", call_id)
        await expect(tablet.locator("#ended-title")).to_be_visible()

    # The baseline: the same two pages, the nurse's running camera, and no hub.
    sender, receiver = nurse, tablet

    async def to_receiver(message: dict[str, Any]) -> None:
        await receiver.evaluate("(m) => window.receive(m)", message)

    async def to_sender(message: dict[str, Any]) -> None:
        await sender.evaluate("(m) => window.receive(m)", message)

    await sender.expose_function("relay", to_receiver)
    await receiver.expose_function("relay", to_sender)
    direct_ms: list[float] = []
    direct = SetupMarks()
    for n in range(CALLS):
        await receiver.evaluate(DIRECT_PEER, ["receiver", n])
        await sender.evaluate(DIRECT_PEER, ["sender", n])
        started = await sender.evaluate("() => window.direct.start()")
        try:
            await receiver.wait_for_function("() => window.direct.firstFrameAt", timeout=20_000)
        except PlaywrightTimeout:
            states = """async () => {
              const found = [];
              (await direct.pc.getStats()).forEach((s) => {
                if (s.type.endsWith("bound-rtp")) {
                  found.push([s.type, s.kind, s.framesDecoded ?? s.framesEncoded]);
                }
              });
              return [direct.pc.connectionState, found];
            }"""
            raise AssertionError(
                f"direct call {n}: receiver {await receiver.evaluate(states)}, "
                f"sender {await sender.evaluate(states)}"
            ) from None
        first = await receiver.evaluate("() => window.direct.firstFrameAt")
        direct_ms.append(first - started)
        sent, heard = await page_marks(sender), await page_marks(receiver)
        direct.add(started, first, nurse=sent, tablet=heard)
        await sender.evaluate("() => direct.pc.close()")
        await receiver.evaluate("() => { direct.pc.close(); direct.video.remove(); }")

    timing = Timing(hub_ms, direct_ms)
    print(f"tablet accept to first frame: {Timing.describe(hub_ms)}")
    print(f"direct peer connection: {Timing.describe(direct_ms)}")
    write_tablet_section(
        timing,
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stages=breakdown(through_hub, direct),
        load=f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
    )
    assert statistics.median(hub_ms) < 1000, Timing.describe(hub_ms)
