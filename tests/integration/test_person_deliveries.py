"""What the hub delivers to one patient of an own-home service never reaches another's
device, and patient one's call reaches the console carrying patient one and who is calling
about them; a device is enrolled only to someone registered at an own-home service."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.auth.principal import Principal
from hub.auth.service import device_principal, user_principal
from hub.services import SERVICES
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Device
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship
from support.patients import device_socket, own_home_service
from support.walk import unthrottled
from support.world import World
from telehub_client import HubConnection


@pytest.fixture
def settings(settings: Any) -> Any:
    return unthrottled(settings)


async def _listening(conn: HubConnection) -> list[str]:
    heard: list[str] = []
    for kind in ("call", "queue", "message", "ring", "presence"):
        conn.listen(kind, lambda e: bool(heard.append(str(e))))
    await conn.command("message/sync", after_seq=0)
    return heard


async def test_what_the_hub_delivers_to_patient_two_never_reaches_patient_one(
    client: TestClient, world: World, db: Database
) -> None:
    service = await own_home_service(client, world, db)
    one = await device_socket(client, service.one.credential)
    two = await device_socket(client, service.two.credential)
    identity = client.server.app[SERVICES].identity
    nurse_ticket, _ = await identity.issue_ticket(user_principal(world.nurse))
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def nurse_auth() -> dict[str, Any]:
        return {"type": "auth", "ticket": nurse_ticket}

    nurse = await HubConnection.open(url, nurse_auth)
    try:
        heard_one = await _listening(one)
        await two.command("message/sync", after_seq=0)
        await nurse.command("queue/subscribe")
        # Live: patient two calls, the hub writes to patient two and to the service.
        await two.command(
            "call/start",
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="breathing_difficulty",
            home_intent="ambulance_999",
        )
        live = ((service.two.person.id, "Joan: the nurse is coming"), (None, "The phones are back"))
        for person_id, body in live:
            await nurse.command(
                "message/send",
                site_id=service.site.id,
                person_id=person_id,
                client_message_id=str(uuid.uuid4()),
                body=body,
            )
        await two.wait_for_messages(3)  # its own, the hub's earlier one, this one
        # Then patient one calls and is written to: once those have arrived, anything sent
        # earlier to patient two would have arrived first.
        started = await one.command(
            "call/start",
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="pain",
            home_intent="unknown",
        )
        await nurse.command(
            "message/send",
            site_id=service.site.id,
            person_id=service.one.person.id,
            client_message_id=str(uuid.uuid4()),
            body="Mary: we are calling you back",
        )
        await one.wait_for_messages(2)
        # The call carries patient one and who is calling about her, on the nurse's queue.
        assert started["person_id"] == service.one.person.id
        assert started["caller_relationship"] == "carer"
        queued = await nurse.next_event(
            "queue", lambda e: any(x["call"]["id"] == started["id"] for x in e["entries"])
        )
        entry = next(x for x in queued["entries"] if x["call"]["id"] == started["id"])
        assert entry["call"]["person_name"] == "Mary Patientone"
        assert entry["call"]["caller_relationship"] == "carer"
        assert "Calling: a carer or relative." in entry["call"]["sbard"]
        bodies = [m["body"] for m in one.messages.values()]
        assert bodies == ["Mum is in pain", "Mary: we are calling you back"]
        leaked = [m for m in [*service.two.markers, "Joan"] for t in heard_one if m in t]
        assert not leaked, f"patient one's device received patient two's {leaked}"
        assert not [t for t in heard_one if "phones are back" in t]
    finally:
        for conn in (one, two, nurse):
            await conn.close()


async def test_a_device_is_enrolled_only_to_someone_registered_at_an_own_home_service(
    client: TestClient, world: World, db: Database
) -> None:
    identity = client.server.app[SERVICES].identity
    with pytest.raises(Exception, match="own-home"):
        await identity.create_enrolment(
            SYSTEM,
            DeviceCreate(
                site_ods=world.home_a.site.ods_code,
                label="x",
                person_nhs_number=world.home_a.resident.nhs_number,
            ),
        )
    service = await own_home_service(client, world, db)
    with pytest.raises(Exception, match="No one with this NHS number"):
        await identity.create_enrolment(
            SYSTEM,
            DeviceCreate(
                site_ods=service.site.ods_code,
                label="x",
                person_nhs_number=world.home_a.resident.nhs_number,
            ),
        )
    with pytest.raises(ValueError, match="check digit"):
        DeviceCreate(site_ods="VHOME1", label="x", person_nhs_number="9434765847")
    async with db.session() as s:
        device = await s.get(Device, service.one.device_id)
    assert device is not None
    principal: Principal = device_principal(device)
    assert principal.relationship is CallerRelationship.CARER
