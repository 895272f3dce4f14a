"""A tablet checks its equipment against the hub's echo peer: the check itself, test calls
capped and a forgotten one closing itself, and the command line enrolling, checking and
calling as a tablet. Real aiortc media on loopback; SQLite only, as the database is not
what they test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection

from hub.echo.service import EchoService
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.scope import SYSTEM
from schemas.api import DeviceCreate
from support.hub import RunningHub, running_hub
from support.media import (
    AUDIO,
    VIDEO,
    WITHIN,
    media_for,
    sqlite_only,
)
from support.world import NOW, World
from telehub_client import CommandFailed, cli
from telehub_client.echo import echo_check


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
