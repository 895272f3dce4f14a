"""Getting sockets ready for ``make bench-signalling``: a tablet or a nurse signed in to
the hub, and the pairs each run relays through (bare, or a tablet's call that its own nurse
answered, with an offer and an answer exchanged as in a real call)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from hub.auth.service import IdentityService, user_principal

from .frames import open_socket
from .loadgen import BenchError, Socket, gather_limited
from .signalling_servers import Server
from .world import BenchWorld, Tablet

CALL = {
    "channel": "care_home",
    "reason": "breathing_difficulty",
    "home_intent": "gp_urgent",
    "concern": "Benchmark call",
}
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


async def open_hub(url: str, auth: dict[str, str]) -> Socket:
    ws = await open_socket(url)
    ws.send_text(json.dumps({"type": "auth", **auth}))
    try:
        first = json.loads(await ws.receive_text(within=60))
    except ConnectionError as exc:
        first = {"closed": str(exc)}
    if first.get("type") != "auth_ok":
        await ws.close()
        raise BenchError(f"auth refused: {first}")
    return Socket(ws, key=first["who"]["participant_key"])


async def open_tablet(url: str, tablet: Tablet) -> Socket:
    return await open_hub(url, {"credential": tablet.credential})


async def open_nurse(url: str, identity: IdentityService, nurse: Any) -> Socket:
    ticket, _ = await identity.issue_ticket(user_principal(nurse))
    return await open_hub(url, {"ticket": ticket})


async def bare_pairs(server: Server, n: int) -> list[tuple[Socket, Socket]]:
    async def one(i: int) -> tuple[Socket, Socket]:
        a = Socket(await open_socket(f"{server.url}?pair={i}"))
        b = Socket(await open_socket(f"{server.url}?pair={i}"))
        return a, b

    return await gather_limited([partial(one, i) for i in range(n)], limit=32)


async def hub_pairs(
    server: Server,
    identity: IdentityService,
    world: BenchWorld,
    n: int,
) -> list[tuple[Socket, Socket]]:
    """For each pair a tablet starts a call and its own nurse accepts it."""
    nurses, tablets = world.take_nurses(n), world.take_tablets(n)

    async def one(i: int) -> tuple[Socket, Socket]:
        tablet = await open_tablet(server.url, tablets[i])
        nurse = await open_nurse(server.url, identity, nurses[i])
        call = await tablet.command("call/start", client_call_id=f"bench-{i}", **CALL)
        connected = await nurse.command("call/accept", call_id=call["id"])
        if connected["state"] != "connected":
            raise BenchError(f"call {call['id']} is {connected['state']}, not connected")
        tablet.call_id = nurse.call_id = call["id"]
        tablet.to, nurse.to = nurse.key, tablet.key
        # As in a real call, an offer and an answer come before the trickled candidates;
        # the first signal of a call reads its roster from the database, the rest hit the
        # cache. (The relayed offer and answer wait in the sockets; the readers skip them.)
        await nurse.command("signal/offer", call_id=call["id"], to=tablet.key, sdp=SDP)
        await tablet.command("signal/answer", call_id=call["id"], to=nurse.key, sdp=SDP)
        return tablet, nurse

    return await gather_limited([partial(one, i) for i in range(n)], limit=16)
