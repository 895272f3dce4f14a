"""Helpers for the tablet's browser tests: walking the call flow, a nurse in a second page
(the shared browser modules only, not the console page), and a direct peer connection
between two pages to measure against."""

from __future__ import annotations

from datetime import date
from typing import Any

from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from hub.keys import DATABASE
from hub.storage import rows
from schemas.codes import OrganisationKind

from .browser import DESKTOP, TABLET, TABLET_PORTRAIT, OpenPage, screenshot
from .hub import RunningHub
from .world import NOW

# A nurse in a page: signs in with the page's session, subscribes to the queue, accepts a
# call with CallMesh and sends Chromium's fake camera. Installed as window.nurse.
NURSE = """
async () => {
  const { HubSocket } = await import("/js/shared/signalling.js");
  const { CallMesh, decodedFrames } = await import("/js/shared/rtc.js");
  const hub = new HubSocket();
  const nurse = { hub, decodedFrames, calls: {}, queue: [], messages: [], mesh: null, video: null };
  window.nurse = nurse;
  hub.addEventListener("hub-call", (e) => {
    const call = e.detail.call;
    nurse.calls[call.id] = call;
    if (nurse.mesh && nurse.mesh.callId === call.id) nurse.mesh.update(call);
  });
  hub.addEventListener("hub-queue", (e) => { nurse.queue = e.detail.entries; });
  hub.addEventListener("message", (e) => nurse.messages.push(e.detail));
  await hub.connect();
  nurse.queue = (await hub.command("queue/subscribe")).entries;
  nurse.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  nurse.accept = async (callId) => {
    const video = document.createElement("video");
    video.autoplay = true; video.muted = true; video.playsInline = true;
    document.body.append(video);
    nurse.video = video;
    nurse.acceptAt = performance.timeOrigin + performance.now();
    const mesh = new CallMesh({ hub, callId, selfKey: hub.authOk.who.participant_key,
      localStream: nurse.stream, configuration: { iceServers: hub.authOk.ice_servers } });
    mesh.addEventListener("remote-stream", (e) => {
      if (video.srcObject === e.detail.stream) return;
      video.srcObject = e.detail.stream;
      video.play().catch(() => {});
    });
    // As the console does: the first offer to the caller goes with the accept.
    const waiting = nurse.queue.find((e) => e.call.id === callId)?.call ?? nurse.calls[callId];
    const caller = waiting?.participants.find((p) => p.role === "caller" && p.connected);
    const offer = caller ? await mesh.offerAhead(caller.key) : null;
    let call;
    try {
      const fields = offer ? { call_id: callId, offer } : { call_id: callId };
      call = await hub.command("call/accept", fields);
    } catch (err) {
      mesh.close();
      throw err;
    }
    nurse.mesh = mesh;
    mesh.release();
    mesh.update(call, { iJustArrived: true });
    return call;
  };
  nurse.finish = async (callId, more = {}) => {
    await hub.command("call/end", { call_id: callId });
    await hub.command("call/close", { call_id: callId, disposition: "managed_in_place",
      nurse_counterfactual: "gp_contact", clinical_note: "Advice given.", ...more });
    nurse.mesh.close(); nurse.mesh = null; nurse.video.remove(); nurse.video = null;
  };
  nurse.audioPacketsIn = async () => {
    let n = 0;
    for (const { pc } of nurse.mesh.peers.values()) {
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") n += s.packetsReceived;
      });
    }
    return n;
  };
  return hub.authOk.who.participant_key;
}
"""

# A direct RTCPeerConnection between two pages, signalled through the test (no hub): the
# baseline the hub's accept-to-first-frame time is compared with. Run in the nurse's page
# (sending the camera it already has running) and the tablet's page, so only the hub differs.
DIRECT_PEER = """
async ([role, session]) => {
  const { decodedFrames } = await import("/js/shared/rtc.js");
  const pc = new RTCPeerConnection();
  // The moments of the set-up, as call_setup.TRACE marks them for a call through the hub.
  window.setupMarks = {};
  const mark = (name) => {
    window.setupMarks[name] ??= performance.timeOrigin + performance.now();
  };
  const send = (msg) => {
    mark(`${msg.sdp?.type ?? "candidate"} sent`);
    return window.relay({ ...msg, session });
  };
  window.direct = { pc, firstFrameAt: null };
  pc.addEventListener("iceconnectionstatechange", () => {
    if (pc.iceConnectionState === "connected") mark("ice connected");
  });
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "connected") mark("dtls connected");
  });
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) send({ candidate: candidate.toJSON() });
  };
  const early = [];
  const add = (c) => pc.addIceCandidate(c).catch(() => {});
  window.receive = async (msg) => {
    if (msg.session !== session) return; // a straggler from the last run
    if (msg.sdp) mark(`${msg.sdp.type} received`);
    if (msg.sdp) {
      await pc.setRemoteDescription(msg.sdp);
      for (const c of early.splice(0)) await add(c);
      if (msg.sdp.type === "offer") {
        await pc.setLocalDescription();
        send({ sdp: pc.localDescription.toJSON() });
      }
    } else if (msg.candidate) {
      if (pc.remoteDescription) await add(msg.candidate);
      else early.push(msg.candidate);
    }
  };
  if (role === "receiver") {
    const video = document.createElement("video");
    video.autoplay = true; video.muted = true; video.playsInline = true;
    document.body.append(video);
    pc.ontrack = ({ streams }) => {
      if (video.srcObject === streams[0]) return;
      video.srcObject = streams[0];
      video.play().catch(() => {});
    };
    window.direct.video = video;
    const seen = () => {
      window.direct.firstFrameAt ??= performance.timeOrigin + performance.now();
    };
    video.requestVideoFrameCallback(seen);
    const poll = () => { if (decodedFrames(video) > 0) seen(); else setTimeout(poll, 20); };
    poll();
    return null;
  }
  // The camera must be running before the clock starts, as the nurse's is before accepting.
  // (Chromium's fake camera, reopened quickly, now and then delivers no frames: open again.)
  const running = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const local = document.createElement("video");
    local.muted = true;
    local.srcObject = stream;
    local.play().catch(() => {}); // not awaited: it never settles if no frame comes
    const since = performance.now();
    while (decodedFrames(local) === 0 && performance.now() - since < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (decodedFrames(local) > 0) return stream;
    stream.getTracks().forEach((t) => t.stop());
    return null;
  };
  window.direct.stream = window.nurse?.stream ?? null; // the nurse's camera, already running
  for (let attempt = 0; attempt < 3 && !window.direct.stream; attempt++) {
    window.direct.stream = await running();
  }
  window.direct.start = async () => {
    window.direct.startAt = performance.timeOrigin + performance.now();
    for (const t of window.direct.stream.getTracks()) pc.addTrack(t, window.direct.stream);
    await pc.setLocalDescription();
    send({ sdp: pc.localDescription.toJSON() });
    return window.direct.startAt;
  };
  return null;
}
"""

REMOTE_FRAMES = "() => telehubTablet.decodedFrames(document.querySelector('#remote-video'))"


NURSE_FRAMES = "() => nurse.decodedFrames(nurse.video)"


async def nurse_page(open_page: OpenPage, live_hub: RunningHub) -> Page:
    """The world's nurse signed in, in a page of its own, as ``window.nurse``."""
    page = await open_page(live_hub.world.nurse.username, "/me")
    await page.evaluate(NURSE)
    return page


async def shoot(page: Page, name: str) -> None:
    """Save a screen at tablet size, landscape and portrait (docs/screens/tablet-*.png)."""
    await page.set_viewport_size(TABLET)
    await screenshot(page, f"tablet-{name}")
    await page.set_viewport_size(TABLET_PORTRAIT)
    await screenshot(page, f"tablet-{name}-portrait")
    await page.set_viewport_size(TABLET)


async def walk_to_call(
    tablet: Page,
    *,
    resident: str | None = None,
    reason: str = "breathing_difficulty",
    intent: str = "ambulance_999",
    observations: dict[str, str] | None = None,
    soft_signs: tuple[str, ...] = (),
    concern: str = "",
    caller: str = "Sam Carer",
    pin: str | None = None,
    on_each_step: Any = None,
    rings: bool = True,
) -> str:
    """The four steps, by touch, until the call rings; returns the call's id (with
    ``rings=False``, stops once "Call the hub now" is pressed and returns "")."""

    async def step(name: str) -> None:
        if on_each_step is not None:
            await on_each_step(name)

    await expect(tablet.locator("#who-title")).to_be_visible()
    await tablet.wait_for_function("() => window.telehubTablet")  # its script has bound the form
    await step("1-who")
    if resident is None:
        await tablet.locator("#general-question").click()
    else:
        await tablet.locator("#resident-search").fill(resident.split()[-1][:5].lower())
        await expect(tablet.locator("#resident-count")).to_have_text("1 resident found")
        await tablet.locator("#resident-list .tablet-choice", has_text=resident).first.click()
    await expect(tablet.locator("#why-title")).to_be_visible()
    await tablet.locator(f"label[for='reason-{reason}']").click()
    await tablet.locator(f"label[for='intent-{intent}']").click()
    await step("2-why")
    await tablet.locator("#step-why [data-next]").click()
    await expect(tablet.locator("#obs-title")).to_be_visible()
    for sign in soft_signs:
        await tablet.locator(f"label[for='soft-{sign}']").click()
    if observations:
        for name, value in observations.items():
            if name == "on_oxygen":
                await tablet.locator(f"label[for='obs-{'oxygen' if value else 'air'}']").click()
            elif name == "consciousness":
                await tablet.locator(f"label[for='obs-acvpu-{value}']").click()
            else:
                await tablet.locator(f"#obs-{name}").fill(value)
        await step("3-observations")
        await tablet.locator("#step-obs [data-next]").click()
    else:
        await step("3-observations")
        await tablet.locator("#skip-obs").click()
    await expect(tablet.locator("#send-title")).to_be_visible()
    if concern:
        await tablet.locator("#concern").fill(concern)
    await tablet.locator("#caller-name").fill(caller)
    if pin is not None:
        await tablet.locator("#caller-pin").fill(pin)
    await step("4-check")
    await tablet.locator("#start-call").click()
    if not rings:
        return ""
    await expect(tablet.locator("#waiting-title")).to_be_visible()
    await tablet.wait_for_function("() => telehubTablet.state.call && telehubTablet.state.call.id")
    return str(await tablet.evaluate("() => telehubTablet.state.call.id"))


DIAGNOSE = """() => {
  const mesh = window.telehubTablet?.state?.mesh ?? window.nurse?.mesh;
  const hub = window.telehubTablet?.hub ?? window.nurse?.hub;
  return JSON.stringify({
    hub: hub?.state,
    step: window.telehubTablet?.state?.step,
    call: window.telehubTablet?.state?.call?.state,
    peers: mesh
      ? [...mesh.peers].map(([k, p]) => [k, p.pc.connectionState, p.pc.signalingState])
      : null,
  });
}"""


async def console_answers_tablet(
    open_page: OpenPage, live_hub: RunningHub, nurse_username: str = "nurse.one"
) -> tuple[Page, Page, str]:
    """A real console and home A's tablet page: the tablet calls about Edith ResidentA and
    the nurse accepts from her queue. Returns (console, tablet, call id) once in the call."""
    nurse = await open_page(nurse_username, "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    tablet = await open_page(live_hub.world.home_a.staff.username, "/tablet/call")
    call_id = await walk_to_call(
        tablet, resident="Edith ResidentA", reason="breathing_difficulty", intent="gp_urgent"
    )
    await nurse.locator(f'#queue [data-call-id="{call_id}"] button[data-accept]').click()
    await expect(tablet.locator("#in-call")).to_be_visible()
    return nurse, tablet, call_id


async def wait_for_frames(page: Page, expression: str, more_than: int = 0) -> int:
    """Poll a decoded-frame count in the page until it passes ``more_than``; never sleep."""
    try:
        await page.wait_for_function(f"() => ({expression})() > {more_than}", timeout=20_000)
    except PlaywrightTimeout:
        state = await page.evaluate(DIAGNOSE)
        raise AssertionError(f"no video frames past {more_than} in {page.url}: {state}") from None
    return int(await page.evaluate(expression))


async def own_home_site(hub: RunningHub) -> tuple[str, str]:
    """A patient's own home with one patient; returns (ODS code, patient's name)."""
    async with hub.app[DATABASE].session() as s:
        site = rows.site(
            "VOWN1",
            "Mr Patel at home",
            commissioner=hub.world.commissioner_a,
            kind=OrganisationKind.OWN_HOME,
            beds=None,
            at=NOW,
        )
        s.add(site)
        await s.flush()
        s.add(
            rows.resident(
                site,
                nhs_number="9434765927",
                given_name="Arun",
                family_name="Patel",
                date_of_birth=date(1948, 6, 1),
                at=NOW,
            )
        )
    return "VOWN1", "Arun Patel"


PRISON_SITE = "HMP Test healthcare unit"


async def enrolled_prison_tablet(
    open_page: OpenPage, hub: RunningHub, prisoners: list[tuple[str, str, str]]
) -> Page:
    """A prison (VPRIS) with ``prisoners`` (NHS number, given name, prison number; family name
    "Prisoner"), and a page that has enrolled as its healthcare unit's tablet."""
    from hub.storage.scope import SYSTEM
    from schemas.api import DeviceCreate

    async with hub.app[DATABASE].session() as s:
        site = rows.site(
            "VPRIS", PRISON_SITE, commissioner=hub.world.commissioner_a,
            kind=OrganisationKind.PRISON, at=NOW, beds=None,
        )  # fmt: skip
        s.add(site)
        await s.flush()
        for nhs, given, number in prisoners:
            person = rows.resident(
                site, nhs_number=nhs, given_name=given, family_name="Prisoner",
                date_of_birth=NOW.date().replace(year=1980), at=NOW,
            )  # fmt: skip
            person.prison_number = number
            s.add(person)
    _, _, code = await hub.services.identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VPRIS", label="Healthcare unit tablet")
    )
    tablet = await open_page(None, "/enrol")
    await tablet.locator("#enrolment-code").fill(code)
    await tablet.locator("#enrol-button").click()
    await tablet.wait_for_url("**/tablet")
    return tablet
