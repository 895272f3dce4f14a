"""Real media through a real hub: aiortc peers on loopback, signalled over the websocket.

A tablet calls, a nurse answers and both see and hear each other; a specialist joins (a
three-way mesh) and leaves; the nurse hands the call to another nurse, whose media
connects; the call closes. Offers that cross and trickled candidates still connect. A hub
restart does not stop a call's media, and both ends re-register when it returns. The
equipment check against the echo peer is test_media_echo.py.

Media is real time, so these tests wait on decoded-frame counts with generous limits and
never sleep to synchronise. They run on SQLite only: the database is not what they test.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from hub.app import create_app
from hub.auth.service import user_principal
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from support.hub import HubServer, RunningHub
from support.media import (
    AUDIO,
    MEDIA_CALL,
    VIDEO,
    WITHIN,
    ended,
    flowing,
    key_of,
    lost,
    media_for,
    sqlite_only,
    staff_member,
    stop_hub,
)
from telehub_client import HubConnection
from telehub_client.frames import FrameWaiter, read_frames
from telehub_client.media import CallMedia
from telehub_client.tracks import TestPattern, Tone


@sqlite_only
async def test_a_tablet_calls_a_nurse_answers_a_specialist_joins_and_the_call_is_handed_on(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    nurse, tablet = await hub.staff(world.nurse), await hub.device()
    medias: list[CallMedia] = []
    try:
        call = await tablet.command("call/start", **MEDIA_CALL, person_id=world.home_a.resident.id)
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
    call = await tablet.command("call/start", **MEDIA_CALL)
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
    call = await tablet.command("call/start", **MEDIA_CALL)
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
        call = await tablet.command("call/start", **MEDIA_CALL)
        on_tablet = await media_for(tablet, call)
        medias.append(on_tablet)
        on_nurse = await media_for(nurse, await nurse.command("call/accept", call_id=call["id"]))
        medias.append(on_nurse)
        await flowing(on_tablet, on_nurse)

        # the hub goes away: both sockets close, the pictures carry on
        port = hub.server.port
        await stop_hub(hub)
        await lost(tablet)
        await lost(nurse)
        await flowing(on_tablet, on_nurse)

        # it comes back on the same database and port: both ends re-register
        hub.server = HubServer(create_app(settings, clock=hub.clock), port=port)
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
