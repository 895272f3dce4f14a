"""What the real-media protocol tests share (tests/protocol/test_media*.py): aiortc peers
on a call, waits on decoded frames with generous limits (never sleeps), and a hub stopped as
a restart stops it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSCloseCode

from hub.storage.engine import Database
from hub.storage.tables import User
from schemas.codes import Role
from telehub_client import HubConnection
from telehub_client.media import CallMedia

from .hub import RunningHub
from .world import World, _user

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

WITHIN = 60.0  # seconds: a loaded two-core machine encodes several VP8 streams at once
VIDEO, AUDIO = 15, 40  # decoded frames that prove media is flowing (1 s of video at 15 fps)

MEDIA_CALL = {
    "client_call_id": "media-1",
    "channel": "care_home",
    "reason": "breathing_difficulty",
    "home_intent": "ambulance_999",
    "concern": "Breathless since lunch",
}


def key_of(conn: HubConnection) -> str:
    """The participant key the hub gave this connection."""
    return str(conn.auth_ok["who"]["participant_key"])


async def media_for(conn: HubConnection, call: dict[str, Any]) -> CallMedia:
    """This connection's media for ``call``, started."""
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


async def stop_hub(hub: RunningHub) -> None:
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
