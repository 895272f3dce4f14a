"""Two patients of one own-home service, each with a device enrolled to them, a call, a
photo and a message of their own (tests/integration/test_person_*.py): what a patient's
device must never see of the other's is ``Patient.markers``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient

from hub.auth.service import user_principal
from hub.services import SERVICES
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Organisation, Person
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship, OrganisationKind
from schemas.wire import CallStart, MessageSend
from telehub_client import HubConnection

from .walk import PNG
from .world import NOW, World

NHS = ("9434765846", "9434765854")  # valid, synthetic, not in the world
PERSON_FIELDS = ("nhs_number", "given_name", "family_name", "date_of_birth", "site_id")


@dataclass
class Patient:
    person: Person
    device_id: int
    credential: str
    session: str
    call_id: str
    photo_id: int
    message_body: str

    @property
    def markers(self) -> list[str]:
        return [
            self.person.family_name,
            self.person.nhs_number,
            self.call_id,
            self.message_body,
            "Latex",  # patient two's allergy
        ]


@dataclass
class Service:
    site: Organisation
    one: Patient
    two: Patient


async def _patient(
    client: TestClient,
    site: Organisation,
    person: Person,
    relationship: CallerRelationship,
    body: str,
) -> Patient:
    app = client.server.app
    identity = app[SERVICES].identity
    services = app[SERVICES]
    device, _, code = await identity.create_enrolment(
        SYSTEM,
        DeviceCreate(
            site_ods=site.ods_code,
            label=f"{person.given_name}'s tablet",
            person_nhs_number=person.nhs_number,
            relationship=relationship,
        ),
    )
    enrolled, credential = await identity.enrol(code)
    assert enrolled.person_id == person.id and enrolled.relationship == relationship.value
    principal, session = await identity.device_sign_in(credential)
    assert principal.scope.person_id == person.id
    call = await services.calls.start(
        principal,
        CallStart(
            type="call/start",
            id=1,
            client_call_id=str(uuid.uuid4()),
            channel="gold_line",
            reason="pain",
            home_intent="district_nurse",
            concern="pain at night",
        ),
    )
    await services.calls.cancel(principal, call.id)  # a call of theirs, over
    photo_id = await services.messages.add_photo(principal, "image/png", PNG, quota=10**7)
    await services.messages.send(
        principal,
        MessageSend(
            type="message/send",
            id=2,
            client_message_id=str(uuid.uuid4()),
            body=body,
            photo_id=photo_id,
        ),
    )
    assert enrolled.id is not None
    return Patient(person, enrolled.id, credential, session, call.id, photo_id, body)


async def own_home_service(client: TestClient, world: World, db: Database) -> Service:
    """An own-home service with two patients, each with a device enrolled to them."""
    async with db.session() as s:
        site = rows.site(
            "VHOME1",
            "Home Patients",
            kind=OrganisationKind.OWN_HOME,
            commissioner=world.commissioner_a,
            beds=None,
            at=NOW,
        )
        s.add(site)
        await s.flush()
        people = [
            rows.resident(
                site,
                nhs_number=NHS[0],
                given_name="Mary",
                family_name="Patientone",
                date_of_birth=date(1941, 5, 6),
                allergies="None known",
                at=NOW,
            ),
            rows.resident(
                site,
                nhs_number=NHS[1],
                given_name="Joan",
                family_name="Patienttwo",
                date_of_birth=date(1938, 7, 8),
                allergies="Latex",
                at=NOW,
            ),
        ]
        s.add_all(people)
        await s.flush()
    one = await _patient(client, site, people[0], CallerRelationship.CARER, "Mum is in pain")
    two = await _patient(client, site, people[1], CallerRelationship.PATIENT, "I feel sick")
    # The hub writes to patient two, and to the whole service.
    messages = client.server.app[SERVICES].messages
    nurse = user_principal(world.nurse)
    for person_id, body in ((two.person.id, "For Joan only"), (None, "To the whole service")):
        await messages.send(
            nurse,
            MessageSend(
                type="message/send",
                id=3,
                site_id=site.id,
                person_id=person_id,
                client_message_id=str(uuid.uuid4()),
                body=body,
            ),
        )
    return Service(site, one, two)


async def device_socket(client: TestClient, credential: str) -> HubConnection:
    url = str(client.make_url("/ws")).replace("http://", "ws://")

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    return await HubConnection.open(url, auth)
