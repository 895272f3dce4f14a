"""Access ends when it is revoked: removing a tablet, disabling a user, signing out or a
session expiring closes every live socket of that principal (or session) within a second,
with a close code and a reason the client shows, on every hub process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from hub.auth.revocation import NoSockets
from hub.keys import SETTINGS
from hub.realtime.endpoint import catch_up
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.scope import SYSTEM
from schemas.wire import (
    DEVICE_REMOVED,
    SESSION_EXPIRED,
    SIGNED_OUT,
    USER_DISABLED,
    CloseCode,
)
from support.hub import RunningHub
from support.sessions import Browser, closed_by_hub, hubs_on_one_redis
from support.world import World
from telehub_client.connection import AccessEnded, CommandFailed


@pytest.fixture
async def browsers() -> AsyncIterator[list[Browser]]:
    made: list[Browser] = []
    yield made
    for browser in made:
        await browser.close()


def _browser(server: TestServer, made: list[Browser]) -> Browser:
    browser = Browser(server)
    made.append(browser)
    return browser


async def test_removing_a_tablet_closes_its_credential_and_ticket_sockets(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    credential = await hub.device_credential()
    tablet = _browser(hub.server, browsers)
    by_credential = await tablet.credential_socket(credential)
    await tablet.device_sign_in(credential)
    by_ticket = await tablet.socket()
    device_id = by_credential.auth_ok["who"]["id"]

    admin = _browser(hub.server, browsers)
    await admin.sign_in(hub.world.admin.username)
    assert (await admin.request("DELETE", f"/api/devices/{device_id}")).status == 200

    for conn in (by_credential, by_ticket):
        assert await closed_by_hub(conn) == (CloseCode.REVOKED, DEVICE_REMOVED)
    with pytest.raises(AccessEnded, match="removed from the hub"):
        await by_credential.connect()  # the client does not try again by itself
    with pytest.raises(CommandFailed):
        await tablet.credential_socket(credential)


async def test_disabling_a_user_closes_their_sockets_and_ends_their_sessions(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    nurse = _browser(hub.server, browsers)
    await nurse.sign_in(hub.world.nurse.username)
    socket = await nurse.socket()
    unused_ticket = await nurse.ticket()
    other_nurse = await hub.staff(hub.world.specialist)

    admin = _browser(hub.server, browsers)
    await admin.sign_in(hub.world.admin.username)
    answer = await admin.request("DELETE", f"/api/users/{hub.world.nurse.id}")
    assert answer.status == 200

    assert await closed_by_hub(socket) == (CloseCode.REVOKED, USER_DISABLED)
    assert (await nurse.request("GET", "/api/me")).status == 401
    with pytest.raises(CommandFailed, match="unauthorised"):
        await _redeem(nurse, unused_ticket)
    assert await other_nurse.command("queue/subscribe") is not None  # others carry on


async def test_signing_out_ends_that_sessions_sockets_and_unused_tickets_only(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    first = _browser(hub.server, browsers)
    await first.sign_in(hub.world.nurse.username)
    socket = await first.socket()
    unused_ticket = await first.ticket()
    second = _browser(hub.server, browsers)  # the same nurse, on another computer
    await second.sign_in(hub.world.nurse.username)
    elsewhere = await second.socket()

    assert (await first.request("POST", "/api/auth/logout")).status == 200

    assert await closed_by_hub(socket) == (CloseCode.SESSION_ENDED, SIGNED_OUT)
    with pytest.raises(CommandFailed, match="unauthorised"):
        await _redeem(first, unused_ticket)
    assert await elsewhere.command("queue/subscribe") is not None
    assert not elsewhere.lost.is_set()


async def test_the_pages_sign_out_form_is_the_same_sign_out(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    nurse = _browser(hub.server, browsers)
    await nurse.sign_in(hub.world.nurse.username)
    socket = await nurse.socket()
    answer = await nurse.request(
        "POST", "/api/auth/logout", data={"sign_out": "1"}, allow_redirects=False
    )
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    assert await closed_by_hub(socket) == (CloseCode.SESSION_ENDED, SIGNED_OUT)


async def test_a_session_expiring_closes_its_sockets(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    nurse = _browser(hub.server, browsers)
    await nurse.sign_in(hub.world.nurse.username)
    socket = await nurse.socket()
    assert await socket.command("queue/subscribe") is not None
    hub.clock.advance(timedelta(hours=hub.app[SETTINGS].session_hours, seconds=1))
    assert await closed_by_hub(socket) == (CloseCode.SESSION_ENDED, SESSION_EXPIRED)


async def _redeem(browser: Browser, ticket: str) -> None:
    async def auth() -> dict[str, str]:
        return {"type": "auth", "ticket": ticket}

    await browser._open(auth)


# -- several hub processes ----------------------------------------------------------------
@pytest.fixture
async def two_hubs(
    settings: HubSettings, world: World
) -> AsyncIterator[tuple[TestServer, TestServer]]:
    async with hubs_on_one_redis(settings) as servers:
        yield servers[0], servers[1]


@pytest.mark.redis
async def test_revocations_reach_the_sockets_on_every_hub_process(
    two_hubs: tuple[TestServer, TestServer], world: World, browsers: list[Browser]
) -> None:
    near, far = two_hubs
    admin = _browser(near, browsers)
    await admin.sign_in(world.admin.username)
    enrolment = await admin.request(
        "POST", "/api/devices", json={"site_ods": world.home_a.site.ods_code, "label": "Lounge"}
    )
    tablet = _browser(far, browsers)
    enrolled = await tablet.http.post(
        far.make_url("/api/devices/enrol"),
        json={"enrolment_code": (await enrolment.json())["enrolment_code"]},
    )
    credential = (await enrolled.json())["credential"]
    tablet_socket = await tablet.credential_socket(credential)
    nurse = _browser(far, browsers)
    await nurse.sign_in(world.nurse.username)
    nurse_socket = await nurse.socket()
    carer = _browser(far, browsers)
    await carer.sign_in(world.home_a.staff.username)
    carer_socket = await carer.socket()

    device_id = tablet_socket.auth_ok["who"]["id"]
    assert (await admin.request("DELETE", f"/api/devices/{device_id}")).status == 200
    assert await closed_by_hub(tablet_socket) == (CloseCode.REVOKED, DEVICE_REMOVED)

    answer = await admin.request("DELETE", f"/api/users/{world.home_a.staff.id}")
    assert answer.status == 200
    assert await closed_by_hub(carer_socket) == (CloseCode.REVOKED, USER_DISABLED)

    # The nurse signs out through the near process; the far one holds the socket.
    nurse_near = _browser(near, browsers)
    nurse_near.http.cookie_jar.update_cookies(
        {c.key: c.value for c in nurse.http.cookie_jar}, near.make_url("/")
    )
    nurse_near.send_csrf_token()
    assert (await nurse_near.request("POST", "/api/auth/logout")).status == 200
    assert await closed_by_hub(nurse_socket) == (CloseCode.SESSION_ENDED, SIGNED_OUT)


async def test_a_revocation_whose_doorbell_was_missed_is_found_on_catching_up(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    tablet = await hub.device()
    nurse = _browser(hub.server, browsers)
    await nurse.sign_in(hub.world.nurse.username)
    nurse_socket = await nurse.socket()
    identity = hub.app[SERVICES].identity
    identity.revocations = NoSockets()  # as if this process missed the broker's doorbells
    await identity.revoke_device(SYSTEM, tablet.auth_ok["who"]["id"])
    assert (await nurse.request("POST", "/api/auth/logout")).status == 200
    assert not tablet.lost.is_set() and not nurse_socket.lost.is_set()

    await catch_up(hub.services, hub.realtime)  # what the broker runs after a gap or a reconnection

    assert await closed_by_hub(tablet) == (CloseCode.REVOKED, DEVICE_REMOVED)
    assert (await closed_by_hub(nurse_socket))[0] == CloseCode.SESSION_ENDED


async def test_an_open_socket_keeps_its_session_from_going_idle(
    hub: RunningHub, browsers: list[Browser]
) -> None:
    nurse = _browser(hub.server, browsers)
    await nurse.sign_in(hub.world.nurse.username)
    socket = await nurse.socket()  # a console waiting for calls, its user making no request
    revoker = hub.realtime.revoker
    idle = hub.app[SETTINGS].session_idle_minutes
    for _ in range(3):
        revoker.kept_alive.clear()
        hub.clock.advance(timedelta(minutes=idle - 1))
        async with asyncio.timeout(10):
            await revoker.kept_alive.wait()
    assert (await nurse.request("GET", "/api/me")).status == 200
    assert not socket.lost.is_set()
