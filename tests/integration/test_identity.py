"""Sign-in, users and devices over HTTP: each refusal is clear and changes nothing."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Device, Person, User, WebSession
from support.world import PASSWORD, World, sign_in


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
    response = await client.post("/api/devices", json={"site_ods": "VHOMA", "label": "Sneaky"})
    assert response.status == 403


async def test_a_cross_site_form_post_is_refused(client: TestClient, world: World) -> None:
    response = await client.post(
        "/api/auth/login",
        json={"username": world.nurse.username, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403
