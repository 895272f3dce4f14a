"""Broker outages, drains and a socket's lanes (issue 16 items 4, 6 and 8), against a real
hub on loopback, its real database and, for the outage, its own redis-server that the test
kills and starts again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import CallParticipant
from support.calls import call_request
from support.hub import RunningHub, running_hub
from support.servers import RedisServer, eventually
from support.world import NOW, World
from telehub_client import CommandFailed
from telehub_client.connection import SERVICE_RESTART


@pytest.fixture
def backend() -> str:
    return "sqlite"  # what these test is the socket side; the database is the same either way


@pytest.fixture
async def redis_hub(
    settings: HubSettings, world: World, redis: RedisServer
) -> AsyncIterator[RunningHub]:
    on_redis = settings.model_copy(update={"broker_url": redis.url})
    async with running_hub(on_redis, world, NOW) as running:
        yield running


async def _ready(hub: RunningHub) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as http:
        async with http.get(hub.server.make_url("/readyz")) as response:
            return response.status, await response.json()


async def test_a_redis_outage_loses_no_committed_message_and_readyz_says_so(
    redis_hub: RunningHub, redis: RedisServer
) -> None:
    hub = redis_hub
    nurse = await hub.staff(hub.world.nurse, resume_messages=True)
    tablet = await hub.device(resume_messages=True)
    await nurse.wait_for_messages(2)  # the world's one message per home
    call = await tablet.command("call/start", **call_request(hub))
    assert (await _ready(hub))[0] == 200

    redis.kill()

    async def broker_reported() -> bool:
        status, body = await _ready(hub)
        return (status, body.get("detail")) == (503, "broker unreachable")

    await eventually(broker_reported)
    # The write commits, so it is acknowledged, whatever Redis does: never `internal`.
    sent = await tablet.command("message/send", client_message_id="out-1", body="During it")
    assert sent["site_seq"] == 2
    # A tablet in a call that reconnects meanwhile is answered at once, its call listed.
    await tablet.drop()
    again = await asyncio.wait_for(tablet.connect(), 10)
    assert [c["id"] for c in again["calls"]] == [call["id"]]

    redis.start()
    await eventually(lambda: _ready_now(hub))
    # Delivery catches up from the database once the broker is back: shown once.
    await nurse.wait_for_messages(3)
    assert nurse.messages[3]["body"] == "During it"
    assert nurse.shown_order == [1, 2, 3]


async def _ready_now(hub: RunningHub) -> bool:
    return (await _ready(hub))[0] == 200


async def test_a_drain_finishes_what_is_under_way_then_closes_with_1012(
    hub: RunningHub, db: Database
) -> None:
    nurse = await hub.staff(hub.world.nurse)
    tablet = await hub.device(resume_messages=False)
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    sends = [
        asyncio.ensure_future(
            tablet.command("message/send", client_message_id=f"d-{n}", body=f"note {n}")
        )
        for n in range(40)
    ]
    on_hub = next(c for c in hub.realtime.registry.connections if c.is_device)
    await eventually(lambda: on_hub.last_id >= 41)  # the hub has read all 40 sends

    drained = hub.realtime.drain.begin()
    assert (await _ready(hub))[0] == 503
    # Every command already read is answered before the socket closes: none is cut off.
    results = await asyncio.gather(*sends)
    assert sorted(r["site_seq"] for r in results) == list(range(2, 42))
    await asyncio.wait_for(drained, 10)
    await asyncio.wait_for(tablet.lost.wait(), 10)
    await asyncio.wait_for(nurse.lost.wait(), 10)
    assert tablet.close_code == SERVICE_RESTART and nurse.close_code == SERVICE_RESTART
    # A new socket is turned away before its upgrade, so a load balancer tries another.
    async with aiohttp.ClientSession() as http:
        async with http.get(hub.server.make_url("/ws")) as response:
            assert response.status == 503
    # Nobody's resume window has started: the drain is not the participants going away.
    async with db.session() as s:
        rows = (
            await s.exec(select(CallParticipant).where(CallParticipant.call_id == call["id"]))
        ).all()
    assert [(r.role, r.disconnected_at) for r in sorted(rows, key=lambda r: r.role)] == [
        ("caller", None),
        ("nurse", None),
    ]


async def test_a_draining_hub_answers_a_new_call_with_draining(hub: RunningHub) -> None:
    tablet = await hub.device(resume_messages=False)
    hub.realtime.drain.draining = True  # the drain's first step, before it closes sockets
    with pytest.raises(CommandFailed) as refused:
        await tablet.command("call/start", **call_request(hub))
    assert refused.value.code == "draining"
    hub.realtime.drain.draining = False


async def test_signalling_goes_ahead_of_a_burst_of_message_writes(hub: RunningHub) -> None:
    nurse = await hub.staff(hub.world.nurse)
    tablet = await hub.device(resume_messages=False)
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    done: list[str] = []

    async def send(n: int) -> dict[str, int]:
        result: dict[str, int] = await tablet.command(
            "message/send", client_message_id=f"b-{n}", body=f"obs {n}"
        )
        done.append(f"message {n}")
        return result

    sends = [asyncio.ensure_future(send(n)) for n in range(200)]
    on_hub = next(c for c in hub.realtime.registry.connections if c.is_device)
    await eventually(lambda: on_hub.last_id >= 201)  # the hub has read all 200 sends
    offer = await tablet.command(
        "signal/offer", call_id=call["id"], to=f"user:{hub.world.nurse.id}", sdp="v=0 offer"
    )
    done.append("offer")
    assert offer == {"relayed": True}
    results = await asyncio.gather(*sends)
    # The offer was answered before most of the writes read ahead of it had committed...
    assert done.index("offer") < 100
    # ...and the messages kept their order: sent in order, numbered in order.
    assert [r["site_seq"] for r in results] == list(range(2, 202))
