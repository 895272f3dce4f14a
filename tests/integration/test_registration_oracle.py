"""Registering a resident tells a home nothing about who is known at other homes: another
home's resident's NHS number is registered like any new one (a record of this home's own),
and registering is throttled, since it is also a way of asking."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.app import create_app
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Person
from support.hub import HubServer
from support.world import World, sign_in

NEW_NUMBER = "9990000018"


def _registration(world: World, nhs_number: str, **over: Any) -> dict[str, Any]:
    return {
        "nhs_number": nhs_number,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1931-12-10",
        "site_id": world.home_a.site.id,
        **over,
    }


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    """What the answer says, less what differs between any two registrations."""
    return {k: v for k, v in body.items() if k not in ("id", "nhs_number")}


async def test_another_homes_resident_registers_like_anyone_new(
    client: TestClient, world: World, db: Database
) -> None:
    await sign_in(client, world.home_a.staff.username)
    elsewhere = world.home_b.resident.nhs_number
    known = await client.post("/api/residents", json=_registration(world, elsewhere))
    new = await client.post("/api/residents", json=_registration(world, NEW_NUMBER))
    assert (known.status, new.status) == (201, 201)
    assert _shape(await known.json()) == _shape(await new.json())
    async with db.session() as s:
        records = (await s.exec(select(Person).where(Person.nhs_number == elsewhere))).all()
    assert {p.site_id for p in records} == {world.home_a.site.id, world.home_b.site.id}
    # Home B's own record is untouched and still only home B's.
    assert (await client.get(f"/api/residents/{world.home_b.resident.id}")).status == 404

    # This home's own residents are this home's business: a second registration is refused.
    again = await client.post("/api/residents", json=_registration(world, NEW_NUMBER))
    assert again.status == 422
    body = await again.json()
    assert body["field"] == "nhs_number" and "at this site" in body["message"]


async def test_registering_is_throttled_per_user(
    settings: HubSettings, world: World, db: Database
) -> None:
    app = create_app(settings.model_copy(update={"rate_registration": "2/hour"}))
    async with TestClient(HubServer(app)) as client:
        await sign_in(client, world.home_a.staff.username)
        numbers = ["9990000026", "9990000034", "9990000042"]
        statuses = [
            (await client.post("/api/residents", json=_registration(world, n))).status
            for n in numbers
        ]
        assert statuses == [201, 201, 429]
    async with db.session() as s:
        throttled = (
            await s.exec(select(AuditEvent).where(AuditEvent.outcome == "throttled"))
        ).all()
    assert [(e.action, e.actor) for e in throttled] == [
        ("person_add", f"user:{world.home_a.staff.id}")
    ]
