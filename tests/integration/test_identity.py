"""Sign-in, users and devices over HTTP: each refusal is clear and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, func, select

from hub.auth.principal import Principal
from hub.auth.service import IdentityService, device_principal
from hub.clock import FakeClock
from hub.errors import InvalidInput, RateLimited
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import AuditEvent, Device, Person, User, WebSession
from support.world import PASSWORD, World, like_the_hubs_pages, sign_in


async def _count(db: Database, table: type) -> int:
    async with db.session() as s:
        return (await s.exec(select(func.count()).select_from(table))).one()


async def test_a_wrong_password_is_refused_and_opens_no_session(
    client: TestClient, db: Database, world: World
) -> None:
    before = await _count(db, WebSession)
    response = await client.post(
        "/api/auth/login", json={"username": world.nurse.username, "password": "wrong password"}
    )
    assert response.status == 401
    body = await response.json()
    assert body == {"code": "unauthorised", "message": "Wrong username or password"}
    assert "telehub_session" not in response.cookies
    assert await _count(db, WebSession) == before
    async with db.session() as s:
        refused = (await s.exec(select(AuditEvent).where(AuditEvent.outcome == "refused"))).all()
    assert [e.action for e in refused] == ["sign_in"]
    assert (await client.get("/api/me")).status == 401


async def test_sign_in_then_sign_out(client: TestClient, world: World) -> None:
    await sign_in(client, world.nurse.username)
    me = await (await client.get("/api/me")).json()
    assert me["role"] == "hub_nurse" and me["organisation"]["ods_code"] == "HUB01"
    assert (await client.post("/api/auth/logout")).status == 200
    assert (await client.get("/api/me")).status == 401


async def test_an_unknown_role_is_refused_with_the_field_named(
    client: TestClient, db: Database, world: World
) -> None:
    await sign_in(client, world.admin.username)
    before = await _count(db, User)
    response = await client.post(
        "/api/users",
        json={
            "username": "new.person",
            "display_name": "New Person",
            "role": "surgeon",
            "organisation_ods": "HUB01",
            "password": "a long enough password",
        },
    )
    assert response.status == 422
    body = await response.json()
    assert body["code"] == "invalid_message" and body["field"] == "role"
    assert await _count(db, User) == before


async def test_a_role_must_suit_its_organisation(client: TestClient, world: World) -> None:
    await sign_in(client, world.admin.username)
    response = await client.post(
        "/api/users",
        json={
            "username": "nurse.at.home",
            "display_name": "Misplaced",
            "role": "hub_nurse",
            "organisation_ods": "VHOMA",
            "password": "a long enough password",
        },
    )
    assert response.status == 422 and (await response.json())["field"] == "role"


async def test_an_nhs_number_with_a_wrong_check_digit_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    await sign_in(client, world.home_a.staff.username)
    response = await client.post(
        "/api/residents",
        json={
            "nhs_number": "943 476 5918",
            "given_name": "Ada",
            "family_name": "Wrong",
            "date_of_birth": "1931-02-03",
            "site_id": world.home_a.site.id,
        },
    )
    assert response.status == 422
    body = await response.json()
    assert body["field"] == "nhs_number" and "check digit" in body["message"]
    assert await _count(db, Person) == 2
    good = await client.post(
        "/api/residents",
        json={
            "nhs_number": "401 023 2137",
            "given_name": "Ada",
            "family_name": "Right",
            "date_of_birth": "1931-02-03",
            "site_id": world.home_a.site.id,
        },
    )
    assert good.status == 201, await good.text()
    assert (await good.json())["nhs_number"] == "4010232137"


async def _enrol_code(client: TestClient, world: World) -> str:
    await sign_in(client, world.admin.username)
    response = await client.post("/api/devices", json={"site_ods": "vhoma", "label": "Lounge"})
    assert response.status == 201, await response.text()
    await client.post("/api/auth/logout")
    return str((await response.json())["enrolment_code"])


async def test_an_enrolment_code_works_once(client: TestClient, db: Database, world: World) -> None:
    code = await _enrol_code(client, world)
    first = await client.post("/api/devices/enrol", json={"enrolment_code": code.lower()})
    assert first.status == 201
    credential = (await first.json())["credential"]
    async with db.session() as s:
        device = (await s.exec(select(Device).where(Device.label == "Lounge"))).one()
    second = await client.post("/api/devices/enrol", json={"enrolment_code": code})
    assert second.status == 401
    assert "already used" in (await second.json())["message"]
    async with db.session() as s:
        again = (await s.exec(select(Device).where(Device.label == "Lounge"))).one()
    assert again.credential_hash == device.credential_hash and credential not in str(again)
    signed = await client.post("/api/devices/signin", json={"credential": credential})
    assert signed.status == 200
    me = await (await client.get("/api/me")).json()
    assert me["kind"] == "device" and me["organisation"]["ods_code"] == "VHOMA"


async def test_a_revoked_device_is_signed_out_and_cannot_sign_in(
    client: TestClient, world: World
) -> None:
    code = await _enrol_code(client, world)
    enrolled = await (await client.post("/api/devices/enrol", json={"enrolment_code": code})).json()
    tablet = TestClient(client.server)
    await tablet.start_server()
    try:
        assert (
            await tablet.post("/api/devices/signin", json={"credential": enrolled["credential"]})
        ).status == 200
        like_the_hubs_pages(tablet)
        assert (await tablet.get("/api/residents")).status == 200
        await sign_in(client, world.admin.username)
        assert (await client.delete(f"/api/devices/{enrolled['device_id']}")).status == 200
        assert (await tablet.get("/api/residents")).status == 401
        again = await tablet.post(
            "/api/devices/signin", json={"credential": enrolled["credential"]}
        )
        assert again.status == 401
        assert "revoked" in (await again.json())["message"]
    finally:
        await tablet.close()


async def test_a_device_cannot_do_staff_only_things(client: TestClient, world: World) -> None:
    code = await _enrol_code(client, world)
    enrolled = await (await client.post("/api/devices/enrol", json={"enrolment_code": code})).json()
    await client.post("/api/devices/signin", json={"credential": enrolled["credential"]})
    like_the_hubs_pages(client)
    response = await client.post("/api/devices", json={"site_ods": "VHOMA", "label": "Sneaky"})
    assert response.status == 403


async def test_a_cross_site_form_post_is_refused(client: TestClient, world: World) -> None:
    response = await client.post(
        "/api/auth/login",
        json={"username": world.nurse.username, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403


async def _tablet_of(db: Database, site_id: int) -> Principal:
    async with db.session() as s:
        device = Device(site_id=site_id, label="Lounge tablet", created_at=datetime.now(UTC))
        s.add(device)
        await s.flush()
    return device_principal(device)


async def test_staff_sign_a_tablet_call_with_their_own_pin_and_nobody_elses(
    db: Database, settings: HubSettings, world: World
) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    identity = IdentityService(db, clock, settings)
    staff_a, staff_b = world.home_a.staff, world.home_b.staff
    await identity.set_pin(SYSTEM, staff_a.username, "2468")
    await identity.set_pin(SYSTEM, staff_b.username, "1357")
    tablet_a = await _tablet_of(db, world.home_a.site.id or 0)

    signed = await identity.caller_by_pin(tablet_a, f"  {staff_a.display_name.upper()} ", "2468")
    assert signed.id == staff_a.id
    # Another home's staff member, with their own right PIN, cannot sign on this tablet.
    with pytest.raises(InvalidInput) as other_home:
        await identity.caller_by_pin(tablet_a, staff_b.display_name, "1357")
    assert other_home.value.field == "caller_pin"
    # A PIN needs a name; a PIN is for shared tablets, not signed-in staff.
    with pytest.raises(InvalidInput) as nameless:
        await identity.caller_by_pin(tablet_a, " ", "2468")
    assert nameless.value.field == "caller_name"
    staff_principal = (await identity.sign_in(staff_a.username, PASSWORD))[0]
    with pytest.raises(InvalidInput):
        await identity.caller_by_pin(staff_principal, staff_a.display_name, "2468")

    # Five wrong PINs in fifteen minutes (one was above): the tablet takes no more PINs,
    # not even the right one, until the window has passed.
    for wrong in ("0000", "1111", "2222", "3333"):
        with pytest.raises(InvalidInput):
            await identity.caller_by_pin(tablet_a, staff_a.display_name, wrong)
    with pytest.raises(RateLimited):
        await identity.caller_by_pin(tablet_a, staff_a.display_name, "2468")
    clock.advance(timedelta(minutes=16))
    assert (await identity.caller_by_pin(tablet_a, staff_a.display_name, "2468")).id == staff_a.id
    async with db.session() as s:
        tries = (await s.exec(select(AuditEvent).where(AuditEvent.action == "caller_pin"))).all()
    assert [t.outcome for t in tries].count("refused") == 5
    assert all("2468" not in str(t.detail) for t in tries)


async def test_a_pin_is_digits_and_only_for_care_home_staff(
    db: Database, settings: HubSettings, world: World
) -> None:
    identity = IdentityService(db, FakeClock(datetime(2026, 11, 23, tzinfo=UTC)), settings)
    for bad in ("12", "123456789", "12a4", "١٢٣٤"):
        with pytest.raises(InvalidInput) as refused:
            await identity.set_pin(SYSTEM, world.home_a.staff.username, bad)
        assert refused.value.field == "pin"
    with pytest.raises(InvalidInput) as nurse:
        await identity.set_pin(SYSTEM, world.nurse.username, "2468")
    assert nurse.value.field == "username"
    async with db.session() as s:
        users = (await s.exec(select(User).where(col(User.pin_hash).is_not(None)))).all()
    assert users == []
    await identity.set_pin(SYSTEM, world.home_a.staff.username, "2468")
    cleared = await identity.set_pin(SYSTEM, world.home_a.staff.username, None)
    assert cleared.pin_hash is None
