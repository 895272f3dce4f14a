"""Real media through a real hub: aiortc peers on loopback, signalled over the websocket.

A tablet calls, a nurse answers and both see and hear each other; a specialist joins (a
three-way mesh) and leaves; the nurse hands the call to another nurse, whose media
connects; the call closes. A tablet checks its equipment against the hub's echo peer. A
hub restart does not stop a call's media, and both ends re-register when it returns.

Media is real time, so these tests wait on decoded-frame counts with generous limits and
never sleep to synchronise. They run on SQLite only: the database is not what they test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSCloseCode
from aiohttp.test_utils import TestServer
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from hub.app import create_app
from hub.auth.service import user_principal
from hub.echo.service import EchoService
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import User
from schemas.api import DeviceCreate
from schemas.codes import Role
from support.hub import RunningHub, running_hub
from support.world import NOW, World, _user
from telehub_client import CommandFailed, HubConnection, cli
from telehub_client.echo import echo_check
from telehub_client.frames import FrameWaiter, read_frames
from telehub_client.media import CallMedia
from telehub_client.tracks import TestPattern, Tone

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

WITHIN = 60.0  # seconds: a loaded two-core machine encodes several VP8 streams at once
VIDEO, AUDIO = 15, 40  # decoded frames that prove media is flowing (1 s of video at 15 fps)

CALL = {
    "client_call_id": "media-1",
    "channel": "care_home",
    "reason": "breathing_difficulty",
    "home_intent": "ambulance_999",
    "concern": "Breathless since lunch",
}


def key_of(conn: HubConnection) -> str:
    return str(conn.auth_ok["who"]["participant_key"])


async def media_for(conn: HubConnection, call: dict[str, Any]) -> CallMedia:
    media = CallMedia(conn, call["id"], ice_servers=[])
    await media.start(call)
    return media


async def flowing(a: CallMedia, b: CallMedia) -> None:
    """More video and audio frames decoded, both ways, from now on."""
    for here, there in ((a, b), (b, a)):
        seen = here.count(there.self_key)
        await here.wait_for_frames(
            there.self_key, video=seen.video + VIDEO, audio=seen.audio + AUDIO, within=WITHIN
        )


async def ended(media: CallMedia) -> None:
    async with asyncio.timeout(WITHIN):
        await media.ended.wait()


async def lost(conn: HubConnection) -> None:
    async with asyncio.timeout(WITHIN):
        await conn.lost.wait()


async def stop(hub: RunningHub) -> None:
    """Stop the hub as a restart does. Its sockets are told to go away first: aiohttp waits
    (up to its shutdown timeout) for open websocket handlers before the app's cleanup,
    where the hub itself closes them, runs."""
    for conn in list(hub.realtime.registry.connections):
        await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"hub restarting")
    await hub.server.close()


async def staff_member(db: Database, world: World, username: str) -> User:
    user = _user(username, Role.HUB_NURSE, world.hub)
    async with db.session() as s:
        s.add(user)
    return user


@sqlite_only
async def test_a_tablet_calls_a_nurse_answers_a_specialist_joins_and_the_call_is_handed_on(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    nurse, tablet = await hub.staff(world.nurse), await hub.device()
    medias: list[CallMedia] = []
    try:
        call = await tablet.command("call/start", **CALL, person_id=world.home_a.resident.id)
        on_tablet = await media_for(tablet, call)
        medias.append(on_tablet)
        on_nurse = await media_for(nurse, await nurse.command("call/accept", call_id=call["id"]))
        medias.append(on_nurse)

        # both see and hear each other: frames decoded on each side
        await flowing(on_tablet, on_nurse)
        assert on_tablet.connection_state(key_of(nurse)) == "connected"

        # a specialist joins: a three-way mesh in which everyone sees everyone
        specialist = await hub.staff(world.specialist)
        await nurse.command("call/invite", call_id=call["id"], user_id=world.specialist.id)
        await specialist.next_event("ring")
        joined = await specialist.command("call/join", call_id=call["id"])
        on_specialist = await media_for(specialist, joined)
        medias.append(on_specialist)
        await flowing(on_specialist, on_tablet)
        await flowing(on_specialist, on_nurse)
        await flowing(on_tablet, on_nurse)

        # ... and leaves: the others drop its connection and carry on
        await specialist.command("call/leave", call_id=call["id"])
        await ended(on_specialist)
        gone = key_of(specialist)
        await on_tablet.wait_until(lambda: gone not in on_tablet.peers, WITHIN)
        await on_nurse.wait_until(lambda: gone not in on_nurse.peers, WITHIN)
        await flowing(on_tablet, on_nurse)

        # the nurse hands the call to a colleague, whose media connects
        second = await staff_member(db, world, "nurse.media")
        nurse_two = await hub.staff(second)
        await nurse.command("call/transfer", call_id=call["id"], to_user_id=second.id)
        await nurse_two.next_event("ring", lambda e: e["why"] == "transfer")
        await ended(on_nurse)
        accepted = await nurse_two.command("call/accept", call_id=call["id"])
        on_nurse_two = await media_for(nurse_two, accepted)
        medias.append(on_nurse_two)
        await flowing(on_tablet, on_nurse_two)
        assert key_of(nurse) not in on_tablet.peers

        # the call ends and closes: every peer connection is closed
        await nurse_two.command("call/end", call_id=call["id"])
        await ended(on_tablet)
        await ended(on_nurse_two)
        closed = await nurse_two.command(
            "call/close",
            call_id=call["id"],
            disposition="managed_in_place",
            nurse_counterfactual="admission",
            clinical_note="Seen on video; chest clear.",
        )
        assert closed["state"] == "closed"
        assert not on_tablet.peers and not on_nurse_two.peers
    finally:
        for media in medias:
            await media.close(hang_up=False)


@sqlite_only
async def test_offers_that_cross_still_connect(hub: RunningHub) -> None:
    """Both ends start their media after the call connects, so each thinks the other was
    there first and both offer at once: the polite side (higher key) gives way."""
    nurse, tablet = await hub.staff(hub.world.nurse), await hub.device()
    call = await tablet.command("call/start", **CALL)
    accepted = await nurse.command("call/accept", call_id=call["id"])
    both = [
        CallMedia(tablet, call["id"], ice_servers=[]),
        CallMedia(nurse, call["id"], ice_servers=[]),
    ]
    try:
        await asyncio.gather(*(m.start(accepted) for m in both))
        await flowing(*both)
    finally:
        for media in both:
            await media.close()


@sqlite_only
async def test_candidates_trickled_by_a_browser_are_accepted(hub: RunningHub) -> None:
    """A browser sends its offer before its candidates, then each candidate on its own
    (``candidate:...`` strings as RTCIceCandidateInit): the Python client adds them."""
    nurse, tablet = await hub.staff(hub.world.nurse), await hub.device()
    call = await tablet.command("call/start", **CALL)
    on_tablet = await media_for(tablet, call)
    await nurse.command("call/accept", call_id=call["id"])
    browser = RTCPeerConnection()
    received = FrameWaiter()
    pattern = TestPattern()
    browser.addTrack(pattern)
    browser.addTrack(Tone())

    @browser.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        asyncio.ensure_future(read_frames(key_of(tablet), track, received.counted))

    try:
        await browser.setLocalDescription(await browser.createOffer())
        lines = browser.localDescription.sdp.splitlines()
        candidates = [x.removeprefix("a=") for x in lines if x.startswith("a=candidate:")]
        assert candidates
        bare = "\r\n".join(x for x in lines if not x.startswith(("a=candidate:", "a=end-of")))
        to = {"call_id": call["id"], "to": key_of(tablet)}
        await nurse.command("signal/offer", **to, sdp=bare + "\r\n")
        for candidate in candidates:
            init = {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}
            await nurse.command("signal/candidate", **to, candidate=init)
        await nurse.command("signal/candidate", **to, candidate={"candidate": "", "sdpMid": "0"})
        answer = await nurse.next_event("signal", lambda e: e["signal"]["kind"] == "answer")
        await browser.setRemoteDescription(RTCSessionDescription(answer["signal"]["sdp"], "answer"))
        await on_tablet.wait_for_frames(key_of(nurse), video=VIDEO, audio=AUDIO, within=WITHIN)
        await received.wait_for_frames(key_of(tablet), video=VIDEO, audio=AUDIO, within=WITHIN)
        # the tablet learnt the browser's addresses from the trickled candidates alone
        pc = on_tablet.peers[key_of(nurse)].pc
        assert pc is not None
        ice = pc.getTransceivers()[0].receiver.transport.transport
        trickled = {(c.ip, c.port) for c in ice.getRemoteCandidates()}
        assert {(x.split()[4], int(x.split()[5])) for x in candidates} <= trickled
    finally:
        await on_tablet.close(hang_up=False)
        pattern.stop()
        await browser.close()


@sqlite_only
async def test_a_tablet_checks_its_equipment_against_the_echo_peer(hub: RunningHub) -> None:
    tablet = await hub.device()
    report = await echo_check(tablet, seconds=3.0, connect_within=WITHIN)
    # our own numbered frames came back; whether the verdict is "ready" depends on how
    # busy this machine is (a starved CPU makes a slow round trip), so it is not asserted
    assert report.video_frames > VIDEO and report.audio_frames > AUDIO, report.verdict
    assert report.picture_round_trip_ms is not None and report.picture_round_trip_ms > 0
    assert report.received_kbps is not None and report.received_kbps > 0
    assert report.verdict.startswith(("Ready for a call", "Not ready"))
    assert hub.services.echo.calls == {}  # stopped at the end of the check


@pytest.fixture
async def small_hub(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    capped = settings.model_copy(update={"echo_max_concurrent": 2})
    async with running_hub(capped, world, NOW) as running:
        yield running


async def an_offer() -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    pc.addTransceiver("video")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


@sqlite_only
async def test_test_calls_are_capped(small_hub: RunningHub) -> None:
    hub = small_hub
    tablets = [await hub.device() for _ in range(3)]
    offers = [await an_offer() for _ in tablets]
    try:
        first = await tablets[0].command("echo/start", sdp=offers[0][1])
        await tablets[1].command("echo/start", sdp=offers[1][1])
        with pytest.raises(CommandFailed) as busy:
            await tablets[2].command("echo/start", sdp=offers[2][1])
        assert busy.value.code == "rate_limited"
        assert busy.value.message == "test calls busy, try again in a minute"
        # only the owner may stop a test call; stopping one frees its place
        with pytest.raises(CommandFailed) as not_yours:
            await tablets[2].command("echo/stop", echo_id=first["echo_id"])
        assert not_yours.value.code == "not_found"
        await tablets[0].command("echo/stop", echo_id=first["echo_id"])
        third = await tablets[2].command("echo/start", sdp=offers[2][1])
        assert third["sdp"].startswith("v=0") and "a=candidate:" in third["sdp"]
        # a garbled offer is refused with the field named
        with pytest.raises(CommandFailed) as garbled:
            await tablets[0].command("echo/start", sdp="v=0 nonsense")
        assert garbled.value.code == "invalid_message" and garbled.value.field == "sdp"
    finally:
        for pc, _ in offers:
            await pc.close()
    assert len(hub.services.echo.calls) == 2


async def test_a_forgotten_test_call_closes_itself_and_frees_its_place() -> None:
    echo = EchoService(max_concurrent=1, lifetime_seconds=0.5)
    offerer, offer = await an_offer()
    try:
        echo_id, _ = await echo.start("device:1", offer)
        pc, closed = echo.calls[echo_id].pc, asyncio.Event()

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "closed":
                closed.set()

        async with asyncio.timeout(WITHIN):
            await closed.wait()
        assert echo.calls == {}
        again, _ = await echo.start("device:2", offer)
        assert list(echo.calls) == [again]
    finally:
        await echo.close()
        await offerer.close()
    assert echo.calls == {}


@sqlite_only
async def test_a_hub_restart_does_not_stop_the_media(
    hub: RunningHub, settings: HubSettings
) -> None:
    world = hub.world

    async def nurse_auth() -> dict[str, Any]:  # a ticket from whichever hub is running
        ticket, _ = await hub.app[SERVICES].identity.issue_ticket(user_principal(world.nurse))
        return {"type": "auth", "ticket": ticket}

    tablet = await hub.device()
    nurse = await HubConnection.open(hub.url, nurse_auth)
    hub.opened.append(nurse)
    medias: list[CallMedia] = []
    try:
        call = await tablet.command("call/start", **CALL)
        on_tablet = await media_for(tablet, call)
        medias.append(on_tablet)
        on_nurse = await media_for(nurse, await nurse.command("call/accept", call_id=call["id"]))
        medias.append(on_nurse)
        await flowing(on_tablet, on_nurse)

        # the hub goes away: both sockets close, the pictures carry on
        port = hub.server.port
        await stop(hub)
        await lost(tablet)
        await lost(nurse)
        await flowing(on_tablet, on_nurse)

        # it comes back on the same database and port: both ends re-register
        hub.server = TestServer(create_app(settings, clock=hub.clock), port=port)
        await hub.server.start_server()
        for conn in (tablet, nurse):
            again = await conn.connect()
            assert [c["id"] for c in again["calls"]] == [call["id"]]
            assert again["calls"][0]["state"] == "connected"
        await flowing(on_tablet, on_nurse)
        assert on_tablet.connection_state(key_of(nurse)) == "connected"

        # and signalling works again: the nurse ends the call, the media closes
        await nurse.command("call/end", call_id=call["id"])
        await ended(on_tablet)
        await ended(on_nurse)
    finally:
        for media in medias:
            await media.close(hang_up=False)


@sqlite_only
async def test_the_command_line_enrols_checks_and_calls_as_a_tablet(
    hub: RunningHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, code = await hub.app[SERVICES].identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VHOMA", label="Lounge tablet")
    )
    base = str(hub.server.make_url("/"))
    saved = tmp_path / "tablet.json"
    common = ["--hub", base, "--credential-file", str(saved)]

    assert await cli.run(cli.parser().parse_args(["enrol", *common, "--code", code])) == 0
    assert saved.stat().st_mode & 0o777 == 0o600
    credential = json.loads(saved.read_text())["credential"]
    assert credential not in capsys.readouterr().out

    checked = await cli.run(cli.parser().parse_args(["check", *common, "--seconds", "2"]))
    verdict = capsys.readouterr().out
    assert ("Ready for a call" in verdict) == (checked == 0), verdict
    assert "video frames back" in verdict

    nurse = await hub.staff(hub.world.nurse)
    await nurse.command("queue/subscribe")
    args = ["device", *common, "--call", "--reason", "fever", "--no-stun"]
    tablet = asyncio.create_task(cli.run(cli.parser().parse_args(args)))
    try:
        waiting = await nurse.next_event("queue", lambda e: len(e["entries"]) == 1, within=WITHIN)
        call = waiting["entries"][0]["call"]
        assert call["reason"] == "fever"
        on_nurse = await media_for(nurse, await nurse.command("call/accept", call_id=call["id"]))
        caller = next(p["key"] for p in call["participants"] if p["role"] == "caller")
        await on_nurse.wait_for_frames(caller, video=VIDEO, audio=AUDIO, within=WITHIN)
        await nurse.command("call/end", call_id=call["id"])
        async with asyncio.timeout(WITHIN):
            assert await tablet == 0
        await on_nurse.close(hang_up=False)
    finally:
        tablet.cancel()
    out = capsys.readouterr().out
    assert "Asked for help" in out and "video" in out and credential not in out
