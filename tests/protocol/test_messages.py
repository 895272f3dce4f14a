"""Secure messages: stored before delivery, delivered at least once, shown exactly once,
in order, through dropped connections."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlmodel import func, select

from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.tables import Message, Organisation
from schemas.codes import OrganisationKind, Role
from support.hub import RunningHub
from support.walk import unthrottled
from support.world import NOW, _user
from telehub_client import CommandFailed, HubConnection
from telehub_client.connection import Disconnected


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """These tests drop and reconnect sockets hundreds of times a minute from one address:
    they test delivery, not the sign-in throttle (tests/integration/test_throttling.py)."""
    return unthrottled(settings)


async def test_a_message_round_trip_with_acks_and_unread_counts(hub: RunningHub) -> None:
    tablet = await hub.device(resume_messages=True)
    nurse = await hub.staff(hub.world.nurse, resume_messages=True)
    # the world already holds one message per home: the tablet sees its own home's only
    await tablet.wait_for_messages(1)
    await nurse.wait_for_messages(2)
    sent = await tablet.command(
        "message/send", client_message_id="t-1", body="Mrs Jones is brighter"
    )
    assert sent["site_seq"] == 2
    await nurse.wait_for_messages(3)
    assert nurse.messages[3]["body"] == "Mrs Jones is brighter"
    again = await tablet.command(
        "message/send", client_message_id="t-1", body="Mrs Jones is brighter"
    )
    assert again["id"] == sent["id"]  # a retry is the same message, not a second one
    reply = await nurse.command(
        "message/send",
        site_id=hub.world.home_a.site.id,
        client_message_id="n-1",
        body="Good: keep fluids up",
    )
    await tablet.wait_for_messages(3)
    assert tablet.messages[3]["body"] == "Good: keep fluids up" and reply["site_seq"] == 3
    # after seq 1: home B's message and the tablet's are unread; the nurse's own reply is not
    assert (await nurse.command("message/ack", seq=1))["unread"] == 2
    status = await tablet.command("message/ack", seq=3)
    assert status == {"acked_seq": 3, "unread": 0}
    assert (await tablet.command("message/ack", seq=1))["acked_seq"] == 3  # never moves back
    with pytest.raises(CommandFailed) as caught:
        await nurse.command("message/send", client_message_id="n-2", body="to nobody")
    assert caught.value.field == "site_id"
    assert tablet.duplicates_suppressed == 0 and len(tablet.messages) == 3


async def test_a_reconnecting_reader_gets_what_it_missed_once(hub: RunningHub) -> None:
    reader = await hub.device(resume_messages=True)
    writer = await hub.device(resume_messages=False)
    await reader.wait_for_messages(1)
    await reader.drop()
    for n in range(5):
        await writer.command("message/send", client_message_id=f"w{n}", body=f"note {n}")
    await reader.connect()
    await reader.wait_for_messages(6)
    assert reader.shown_order == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_thousand_drops_during_ten_thousand_messages_lose_none_and_show_none_twice(
    hub: RunningHub, db: Database
) -> None:
    sites = await _sites(db, hub, 10)
    receivers: list[tuple[HubConnection, int | None]] = []
    for site in sites:
        for _ in range(4):
            receivers.append((await hub.device(site.ods_code, resume_messages=True), site.id))
    async with db.session() as s:
        nurses = [_user(f"nurse.r{n}", Role.HUB_NURSE, hub.world.hub) for n in range(10)]
        s.add_all(nurses)
    for nurse in nurses:
        receivers.append((await hub.staff(nurse, resume_messages=True), None))
    assert len(receivers) == 50
    senders = [await hub.device(site.ods_code) for site in sites]
    per_sender = 1000

    async def send_all(sender: HubConnection, index: int) -> None:
        for n in range(per_sender):
            while True:  # as a real client does: resend after a drop, with the same id
                try:
                    await sender.command(
                        "message/send", client_message_id=f"s{index}-{n}", body=f"{index}/{n}"
                    )
                    break
                except Disconnected:
                    await sender.connect()

    rng = random.Random(7)

    async def chaos() -> int:
        drops = 0
        while drops < 1000:
            conn, _ = rng.choice(receivers)
            await conn.drop()
            drops += 1
            while True:
                try:
                    await conn.connect()
                    break
                except (Disconnected, OSError, CommandFailed):
                    continue
        return drops

    results = await asyncio.gather(chaos(), *(send_all(s, i) for i, s in enumerate(senders)))
    assert results[0] == 1000
    total = len(sites) * per_sender
    for conn, site_id in receivers:
        expected = total + 2 if site_id is None else per_sender  # the hub also has the world's two
        await conn.wait_for_messages(expected, within=120)
        assert len(conn.messages) == expected
        assert conn.shown_order == sorted(conn.shown_order), "shown out of order"
        assert sorted(conn.messages) == list(range(1, expected + 1))
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Message))).one() == total + 2


async def _sites(db: Database, hub: RunningHub, count: int) -> list[Organisation]:
    async with db.session() as s:
        sites = [
            rows.site(
                f"VSTR{n:02d}",
                f"Stress home {n}",
                commissioner=hub.world.commissioner_a,
                kind=OrganisationKind.CARE_HOME_RESIDENTIAL,
                beds=20,
                at=NOW,
            )
            for n in range(count)
        ]
        s.add_all(sites)
    return sites
