"""A prison healthcare unit: its enrolled tablet makes an urgent call with the prison's
questions (the counterfactual, who is with the patient); its staff and tablet reach nothing
of another site through any route; a call for a person not at the prison, from a browser
signed in as staff, or on the care-home channel is refused."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.auth.service import user_principal
from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, Organisation, Person, User
from schemas.api import DeviceCreate
from schemas.codes import OrganisationKind, Role
from support.walk import unthrottled
from support.world import NOW, PASSWORD, World, sign_in
from telehub_client import CommandFailed, HubConnection

PRISON_NUMBER = "A1234BC"


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """The walk signs in dozens of times from one address: no rate limits."""
    return unthrottled(settings)


def _routes(app: web.Application) -> list[tuple[str, str]]:
    return [
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method not in ("HEAD", "*")
        and route.resource is not None
        and not isinstance(route.resource, web.StaticResource)
    ]


def _aim_at_home_a(path: str, world: World) -> str:
    """Fill a route's parameters with care home A's ids (the prison's neighbour under the
    same commissioner). Ids the world has no row for (photos, tasks, devices,
    appointments) are 1: unknown must answer as refused, never leak."""
    a = world.home_a
    values = {
        "person_id": a.resident.id,
        "call_id": a.call.id,
        "site_id": a.site.id,
        "message_id": a.message.id,
        "user_id": a.staff.id,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def _body_aimed_at_home_a(world: World) -> dict[str, object]:
    a = world.home_a
    return {
        "site_id": a.site.id,
        "site_ods": a.site.ods_code,
        "person_id": a.resident.id,
        "call_id": a.call.id,
        "slot_id": 1,
        "nhs_number": "9434765870",
        "given_name": "X",
        "family_name": "Y",
        "date_of_birth": "1930-01-01",
    }


def _markers(world: World) -> list[str]:
    a = world.home_a
    return [a.resident.family_name, a.resident.nhs_number, a.call.id, a.message.body]


@dataclass
class Prison:
    site: Organisation
    staff: User
    prisoner: Person
    credential: str  # its enrolled tablet's


@pytest.fixture
async def prison(client: TestClient, world: World, db: Database) -> Prison:
    async with db.session() as s:
        site = rows.site(
            "VPRIS",
            "HMP Test healthcare unit",
            commissioner=world.commissioner_a,
            kind=OrganisationKind.PRISON,
            at=NOW,
        )
        s.add(site)
        await s.flush()
        staff = rows.staff(
            "prison.nurse",
            "Pat Officer",
            Role.PRISON_STAFF,
            site,
            password_hash=world.nurse.password_hash,
            at=NOW,
        )
        prisoner = rows.resident(
            site,
            nhs_number="9434765889",
            given_name="Jonah",
            family_name="Prisoner",
            date_of_birth=date(1980, 5, 6),
            at=NOW,
        )
        prisoner.prison_number = PRISON_NUMBER
        s.add_all([staff, prisoner])
        await s.flush()
    identity = client.server.app[SERVICES].identity
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods="VPRIS", label="Healthcare unit tablet")
    )
    _, credential = await identity.enrol(code)
    return Prison(site, staff, prisoner, credential)


async def _tablet(client: TestClient, credential: str) -> HubConnection:
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    return await HubConnection.open(url, auth)


def _urgent(person_id: int | None, **more: Any) -> dict[str, Any]:
    return {
        "client_call_id": str(uuid.uuid4()),
        "person_id": person_id,
        "channel": "prison_urgent",
        "reason": "chest_pain",
        "home_intent": "unknown",
        "prison_intent": "escorted_ed",
        "accompanied_by": ["healthcare_staff", "officer"],
        "observations": {
            "respiration_rate": 22,
            "spo2": 95,
            "systolic_bp": 118,
            "pulse": 104,
            "temperature": "37.9",
            "consciousness": "A",
        },
        **more,
    }


async def _refusal(conn: HubConnection, frame: dict[str, Any]) -> tuple[str, str | None]:
    with pytest.raises(CommandFailed) as failed:
        await conn.command("call/start", **frame)
    return failed.value.code, getattr(failed.value, "field", None)


async def test_a_prison_tablet_makes_an_urgent_call_with_the_prisons_questions(
    client: TestClient, prison: Prison, db: Database
) -> None:
    conn = await _tablet(client, prison.credential)
    try:
        call = await conn.command("call/start", **_urgent(prison.prisoner.id))
    finally:
        await conn.close()
    async with db.session() as s:
        stored = await s.get(Call, call["id"])
    assert stored is not None
    assert stored.channel == "prison_urgent" and stored.site_id == prison.site.id
    assert stored.prison_intent == "escorted_ed"
    assert stored.accompanied_by == ["healthcare_staff", "officer"]
    assert stored.news2_total is not None and stored.news2_total >= 3


async def test_a_prison_call_is_refused_when_it_breaks_the_prisons_rules(
    client: TestClient, world: World, prison: Prison
) -> None:
    conn = await _tablet(client, prison.credential)
    try:
        # A person who is not at this prison: no such resident, as for a care home.
        code, _ = await _refusal(conn, _urgent(world.home_a.resident.id))
        assert code == "not_found"
        code, _ = await _refusal(conn, _urgent(prison.prisoner.id, channel="care_home"))
        assert code == "invalid_message"
        code, _ = await _refusal(conn, _urgent(prison.prisoner.id, prison_intent=None))
        assert code == "invalid_message"
    finally:
        await conn.close()


async def test_a_care_home_call_cannot_carry_the_prisons_questions(
    client: TestClient, world: World
) -> None:
    identity = client.server.app[SERVICES].identity
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods=world.home_a.site.ods_code, label="Home A tablet")
    )
    _, credential = await identity.enrol(code)
    conn = await _tablet(client, credential)
    try:
        frame = _urgent(world.home_a.resident.id, channel="care_home", accompanied_by=[])
        code_, _ = await _refusal(conn, frame)
        assert code_ == "invalid_message"
    finally:
        await conn.close()


async def test_prison_staff_in_a_browser_cannot_start_a_call(
    client: TestClient, prison: Prison
) -> None:
    identity = client.server.app[SERVICES].identity
    url = str(client.make_url("/ws")).replace("http://", "ws://")
    principal, _ = await identity.sign_in(prison.staff.username, PASSWORD)

    async def auth() -> dict[str, Any]:
        ticket, _ = await identity.issue_ticket(principal)
        return {"type": "auth", "ticket": ticket}

    conn = await HubConnection.open(url, auth)
    try:
        code, _ = await _refusal(conn, _urgent(prison.prisoner.id))
        assert code == "forbidden"
    finally:
        await conn.close()


async def test_prison_staff_find_a_prisoner_by_prison_number(
    client: TestClient, world: World, prison: Prison
) -> None:
    await sign_in(client, prison.staff.username)
    found = await (await client.get("/api/residents", params={"q": "a1234bc"})).json()
    assert [p["id"] for p in found] == [prison.prisoner.id]
    assert found[0]["prison_number"] == PRISON_NUMBER
    await sign_in(client, world.home_a.staff.username)
    assert await (await client.get("/api/residents", params={"q": PRISON_NUMBER})).json() == []


@pytest.mark.parametrize("who", ["prison_staff", "prison_tablet"])
async def test_a_prison_reaches_no_other_sites_data_through_any_route(
    client: TestClient, world: World, prison: Prison, who: str
) -> None:
    identity = client.server.app[SERVICES].identity
    if who == "prison_staff":
        _, token = await identity.sign_in(prison.staff.username, PASSWORD)
    else:
        _, token = await identity.device_sign_in(prison.credential)
    home = client.make_url("/")
    headers = {
        "Origin": f"{home.scheme}://{home.authority}",
        "Cookie": f"{SESSION_COOKIE}={token}",
        CSRF_HEADER: csrf_token(token),
    }
    walked = 0
    for method, template in _routes(client.server.app):
        if template == "/api/auth/logout":
            continue
        client.session.cookie_jar.clear()
        response = await client.request(
            method,
            _aim_at_home_a(template, world),
            json=_body_aimed_at_home_a(world),
            headers=headers,
            allow_redirects=False,
        )
        text = await response.text()
        leaked = [m for m in _markers(world) if m in text]
        assert not leaked, f"{method} {template} showed home A's {leaked} ({response.status})"
        if re.search(r"\{\w+\}", template):
            assert response.status in (403, 404, 422), f"{method} {template}: {response.status}"
        walked += 1
    assert walked >= 40
    # The walk signed in as someone who sees the prison's own prisoner.
    client.session.cookie_jar.clear()
    own = await client.get(f"/api/residents/{prison.prisoner.id}", headers=headers)
    assert own.status == 200 and PRISON_NUMBER in await own.text()


async def test_the_prison_tablets_form_shows_initials_and_prison_number_not_names(
    client: TestClient, prison: Prison
) -> None:
    identity = client.server.app[SERVICES].identity
    _, token = await identity.device_sign_in(prison.credential)
    page = await client.get("/tablet/call", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert page.status == 200
    html = await page.text()
    assert f"J.P. · {PRISON_NUMBER}" in html
    assert "Without this call, what would happen?" in html
    assert 'name="accompanied_by"' in html and 'name="home_intent"' not in html
    # The name is in the page only inside the hidden "Show names" text.
    shown = re.sub(r'<span class="tablet-choice__hint tablet-reveal" hidden>[^<]*</span>', "", html)
    assert "Prisoner" not in shown


async def _nurse(client: TestClient, world: World) -> HubConnection:
    identity = client.server.app[SERVICES].identity
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def auth() -> dict[str, Any]:
        ticket, _ = await identity.issue_ticket(user_principal(world.nurse))
        return {"type": "auth", "ticket": ticket}

    return await HubConnection.open(url, auth)


async def test_a_prison_calls_record_says_whether_an_escort_was_needed(
    client: TestClient, world: World, prison: Prison, db: Database
) -> None:
    tablet, nurse = await _tablet(client, prison.credential), await _nurse(client, world)
    try:
        call = await tablet.command("call/start", **_urgent(prison.prisoner.id))
        await nurse.command("call/accept", call_id=call["id"])
        answered = await nurse.command("call/get", call_id=call["id"])
        assert answered["prison_intent"] == "escorted_ed"
        assert answered["accompanied_by"] == ["healthcare_staff", "officer"]
        await nurse.command("call/end", call_id=call["id"])
    finally:
        await tablet.close()
        await nurse.close()
    await sign_in(client, world.nurse.username)
    record = {
        "disposition": "managed_in_place",
        "nurse_counterfactual": "ed_attendance",
        "clinical_note": "Chest pain settled; ECG normal.",
    }
    refused = await client.post(f"/api/calls/{call['id']}/outcome", json=record)
    assert refused.status == 422
    assert (await refused.json())["field"] == "escort_needed"
    closed = await client.post(
        f"/api/calls/{call['id']}/outcome", json={**record, "escort_needed": False}
    )
    assert closed.status == 201, await closed.text()
    async with db.session() as s:
        stored = await s.get(Call, call["id"])
    assert stored is not None and stored.escort_needed is False and stored.state == "closed"
