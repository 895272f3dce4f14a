"""Rows of the shapes that demo data (hub.demo), tests (tests/support) and benchmarks
(benchmarks/world.py) all write: the hub, commissioners, sites, staff, residents and
tablets, each filled in one way. Nothing here touches the database: callers add the rows
to a session (and flush before using an id)."""

from __future__ import annotations

from datetime import date, datetime

from schemas.codes import OrganisationKind, ResuscitationStatus, Role

from .tables import Device, Organisation, Person, User


def id_of(organisation: Organisation) -> int:
    """The organisation's id, once it has been flushed."""
    assert organisation.id is not None, "flush the organisation before using its id"
    return organisation.id


def hub(ods_code: str, name: str, *, at: datetime) -> Organisation:
    return Organisation(
        ods_code=ods_code, name=name, kind=OrganisationKind.HUB.value, created_at=at
    )


def commissioner(ods_code: str, name: str, *, at: datetime) -> Organisation:
    return Organisation(
        ods_code=ods_code, name=name, kind=OrganisationKind.COMMISSIONER.value, created_at=at
    )


def site(
    ods_code: str,
    name: str,
    *,
    commissioner: Organisation,
    at: datetime,
    kind: OrganisationKind = OrganisationKind.CARE_HOME_NURSING,
    beds: int | None = 40,
    go_live: date | None = None,
) -> Organisation:
    """A care home, own-home service or prison, commissioned by ``commissioner``."""
    return Organisation(
        ods_code=ods_code,
        name=name,
        kind=kind.value,
        commissioner_id=id_of(commissioner),
        registered_beds=beds,
        go_live=go_live,
        created_at=at,
    )


def staff(
    username: str,
    display_name: str,
    role: Role,
    organisation: Organisation,
    *,
    password_hash: str,
    at: datetime,
    specialty: str | None = None,
) -> User:
    return User(
        username=username,
        display_name=display_name,
        role=role.value,
        organisation_id=id_of(organisation),
        specialty=specialty,
        password_hash=password_hash,
        created_at=at,
    )


def resident(
    site: Organisation,
    *,
    nhs_number: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    at: datetime,
    resuscitation_status: ResuscitationStatus = ResuscitationStatus.NOT_RECORDED,
    allergies: str | None = None,
    key_conditions: str | None = None,
    care_wishes: str | None = None,
) -> Person:
    return Person(
        nhs_number=nhs_number,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        site_id=id_of(site),
        resuscitation_status=resuscitation_status.value,
        allergies=allergies,
        key_conditions=key_conditions,
        care_wishes=care_wishes,
        created_at=at,
    )


def tablet(
    site: Organisation, label: str, *, at: datetime, credential_hash: str | None = None
) -> Device:
    """A tablet at ``site``: enrolled (as redeeming a code leaves it) when given the hash of
    its credential, otherwise waiting for enrolment."""
    return Device(
        site_id=id_of(site),
        label=label,
        credential_hash=credential_hash,
        enrolled_at=at if credential_hash else None,
        created_at=at,
    )
