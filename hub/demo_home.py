"""Demo devices at home: in the first own-home service, the first patients each get a device
enrolled to them (one held by a carer), waiting for its enrolment code, so a new user can
open /enrol, type a code and be that patient (or their daughter) pressing the one button."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hub.auth.tokens import normalise_enrolment_code, token_hash
from hub.storage.tables import Device, Organisation, Person
from schemas.codes import CallerRelationship, OrganisationKind

HOME_DEVICES = (
    (CallerRelationship.PATIENT, "{name}'s tablet"),
    (CallerRelationship.CARER, "{name}'s daughter's phone"),
    (CallerRelationship.PATIENT, "{name}'s tablet"),
)
CODE_DAYS = 30  # long enough for a demo; a real enrolment code lasts hours


def home_devices(
    sites: Sequence[Organisation], people: Sequence[Person], now: datetime
) -> list[tuple[Device, str]]:
    """Devices enrolled to the first own-home service's first patients, with their codes
    (add the devices to the session; print the codes)."""
    site = next((s for s in sites if s.kind == OrganisationKind.OWN_HOME), None)
    if site is None:
        return []
    at_home = [p for p in people if p.site_id == site.id]
    made = []
    for n, (person, (relationship, label)) in enumerate(
        zip(at_home, HOME_DEVICES, strict=False), start=1
    ):
        code = f"DEMO-HOME-{n:04d}"
        device = Device(
            site_id=site.id or 0,
            label=label.format(name=f"{person.given_name} {person.family_name}"),
            person_id=person.id,
            relationship=relationship.value,
            enrolment_code_hash=token_hash(normalise_enrolment_code(code)),
            enrolment_expires_at=now + timedelta(days=CODE_DAYS),
            created_at=now,
        )
        made.append((device, code))
    return made
