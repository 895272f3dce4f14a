"""REST bodies: one family per entity (XCreate / XPublic). Table models never travel."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .bounds import Counted, DbId
from .codes import OrganisationKind, ResuscitationStatus, Role
from .nhs import NhsNumber

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _ods_code(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{3,10}", code):
        raise ValueError("an ODS code is 3 to 10 letters and digits, e.g. VM123 or QWO")
    return code


OdsCode = Annotated[str, AfterValidator(_ods_code)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LoginBody(Body):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OrganisationCreate(Body):
    ods_code: OdsCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: OrganisationKind
    commissioner_ods: OdsCode | None = None
    registered_beds: int | None = Field(default=None, ge=0, le=1000)
    go_live: date | None = None


class OrganisationPublic(Public):
    id: DbId
    ods_code: str
    name: str
    kind: OrganisationKind
    commissioner_id: DbId | None
    registered_beds: Counted | None
    go_live: date | None


class PersonCreate(Body):
    nhs_number: NhsNumber
    given_name: Name
    family_name: Name
    date_of_birth: date
    site_id: DbId
    resuscitation_status: ResuscitationStatus = ResuscitationStatus.NOT_RECORDED
    allergies: str | None = Field(default=None, max_length=2000)
    key_conditions: str | None = Field(default=None, max_length=2000)
    care_wishes: str | None = Field(default=None, max_length=2000)


class PersonPublic(Public):
    id: DbId
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    site_id: DbId
    resuscitation_status: ResuscitationStatus
    allergies: str | None
    key_conditions: str | None
    care_wishes: str | None


class UserCreate(Body):
    username: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9._-]{3,100}$")
    ]
    display_name: Name
    role: Role
    organisation_ods: OdsCode
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    specialty: str | None = Field(default=None, max_length=100)


class UserPublic(Public):
    id: DbId
    username: str
    display_name: str
    role: Role
    organisation_id: DbId
    specialty: str | None
    active: bool


class Me(BaseModel):
    kind: str = Field(description="user or device")
    id: DbId
    name: str
    role: Role
    organisation: OrganisationPublic


class DeviceCreate(Body):
    site_ods: OdsCode
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class DeviceEnrolmentPublic(BaseModel):
    device_id: DbId
    site_ods: str
    enrolment_code: str
    expires_at: datetime


class DeviceEnrolBody(Body):
    enrolment_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64)
    ]


class DeviceCredentialPublic(BaseModel):
    device_id: DbId
    credential: str = Field(description="Keep on the device; it is shown once and never again")


class DeviceSignInBody(Body):
    credential: Annotated[str, StringConstraints(min_length=20, max_length=200)]


class DevicePublic(Public):
    id: DbId
    site_id: DbId
    label: str
    enrolled_at: datetime | None
    revoked_at: datetime | None


class TicketPublic(BaseModel):
    ticket: str
    expires_at: datetime


class CallPublic(Public):
    id: str
    site_id: DbId
    person_id: DbId | None
    channel: str
    reason: str
    secondary_reason: str | None
    home_intent: str
    state: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    news2_total: Counted | None
    news2_band: str | None
    disposition: str | None


class CallEventPublic(Public):
    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any] | None


class MessagePublic(Public):
    id: DbId
    site_id: DbId
    call_id: str | None
    sender_name: str
    client_message_id: str
    body: str
    created_at: datetime


class Health(BaseModel):
    status: str
    detail: str | None = None
