"""REST bodies: one family per entity (XCreate / XPublic). Table models never travel."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from .bounds import Counted, RowId
from .codes import CallerRelationship, Disposition, OrganisationKind, ResuscitationStatus, Role
from .nhs import NhsNumber

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


# Spaces, tabs and line ends around a code are forgiven (CSV cells, pasted text).
SPACE = " \t\r\n"


def _ods_code(value: str) -> str:
    code = value.strip(SPACE)
    if not re.fullmatch(r"[A-Za-z0-9]{3,10}", code):
        raise ValueError("an ODS code is 3 to 10 letters and digits, e.g. VM123 or QWO")
    return code.upper()


OdsCode = Annotated[
    str,
    AfterValidator(_ods_code),
    WithJsonSchema({"type": "string", "pattern": f"^[{SPACE}]*[A-Za-z0-9]{{3,10}}[{SPACE}]*$"}),
]


def _prison_number(value: str) -> str:
    number = value.strip(SPACE).upper()
    if not re.fullmatch(r"[A-Z][0-9]{4}[A-Z]{2}", number):
        raise ValueError("a prison number is a letter, four digits and two letters, e.g. A1234BC")
    return number


PrisonNumber = Annotated[
    str,
    AfterValidator(_prison_number),
    WithJsonSchema(
        {"type": "string", "pattern": f"^[{SPACE}]*[A-Za-z][0-9]{{4}}[A-Za-z]{{2}}[{SPACE}]*$"}
    ),
]
"""A prisoner's prison number (the HMPPS format: A1234BC), upper-cased."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _in_utc(cls, value: object) -> object:
        """Every stored time is UTC; SQLite hands them back without a zone."""
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


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
    id: RowId
    ods_code: str
    name: str
    kind: OrganisationKind
    commissioner_id: RowId | None
    registered_beds: Counted | None
    go_live: date | None


class PersonCreate(Body):
    nhs_number: NhsNumber
    given_name: Name
    family_name: Name
    date_of_birth: date
    site_id: RowId
    resuscitation_status: ResuscitationStatus = ResuscitationStatus.NOT_RECORDED
    allergies: str | None = Field(default=None, max_length=2000)
    key_conditions: str | None = Field(default=None, max_length=2000)
    care_wishes: str | None = Field(default=None, max_length=2000)
    prison_number: PrisonNumber | None = None


class PersonPublic(Public):
    id: RowId
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    site_id: RowId
    resuscitation_status: ResuscitationStatus
    allergies: str | None
    key_conditions: str | None
    care_wishes: str | None
    prison_number: str | None = None


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
    id: RowId
    username: str
    display_name: str
    role: Role
    organisation_id: RowId
    specialty: str | None
    active: bool


class Me(BaseModel):
    kind: str = Field(description="user or device")
    id: RowId
    name: str
    role: Role
    organisation: OrganisationPublic
    person_id: RowId | None = Field(
        default=None, description="a device at home: the one person whose record it reads"
    )
    relationship: CallerRelationship | None = Field(
        default=None, description="a device at home: who holds it (the patient or a carer)"
    )


class DeviceCreate(Body):
    site_ods: OdsCode
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    # An own-home device is enrolled to one person (registered at the site): it reads that
    # person's record alone. Who will hold it: the patient (the default) or a carer.
    person_nhs_number: NhsNumber | None = None
    relationship: CallerRelationship | None = None


class DeviceEnrolmentPublic(Public):
    device_id: RowId
    site_ods: str
    enrolment_code: str
    expires_at: datetime
    person_id: RowId | None = None
    relationship: CallerRelationship | None = None


class DeviceEnrolBody(Body):
    enrolment_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64)
    ]


class DeviceCredentialPublic(BaseModel):
    device_id: RowId
    credential: str = Field(description="Keep on the device; it is shown once and never again")


class DeviceSignInBody(Body):
    credential: Annotated[str, StringConstraints(min_length=20, max_length=200)]


class DevicePublic(Public):
    id: RowId
    site_id: RowId
    label: str
    enrolled_at: datetime | None
    revoked_at: datetime | None


class TicketPublic(Public):
    ticket: str
    expires_at: datetime


class CallPublic(Public):
    id: str
    site_id: RowId
    person_id: RowId | None
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
    id: RowId
    site_id: RowId
    call_id: str | None
    sender_name: str
    client_message_id: str
    body: str
    created_at: datetime


class Health(BaseModel):
    status: str
    detail: str | None = None


# -- path parameters and query strings ---------------------------------------------------
# Row ids fit the databases' integer columns; anything larger is refused as invalid input.
CallId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date is YYYY-MM-DD")
    return value


# A day in a query string: YYYY-MM-DD only (not a timestamp, which pydantic would accept).
Day = Annotated[date, BeforeValidator(_iso_day)]


class Query(BaseModel):
    """A query string. Unknown parameters are ignored, as browsers and proxies add their own."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ResidentSearch(Query):
    site: RowId | None = None
    q: str | None = Field(default=None, max_length=100, description="part of a name")


class LondonDaysQuery(Query):
    """``from`` and ``to``: whole Europe/London calendar days, both ends included, either
    left out for an open end (docs/protocol.md, "Dates in REST queries")."""

    from_: Day | None = Field(default=None, alias="from", description="first London day, included")
    to: Day | None = Field(default=None, description="last London day, included")

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, to: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("from_")
        if to is not None and first is not None and to < first:
            raise ValueError("must not be before from")
        return to


class CallSearch(LondonDaysQuery):
    site: RowId | None = None
    resident: RowId | None = Field(default=None, description="a person's id")
    disposition: Disposition | None = None


class ThreadQuery(Query):
    after: Counted = Field(default=0, description="the last message id seen")


class SignedOut(BaseModel):
    signed_out: bool


class PhotoUploaded(BaseModel):
    photo_id: RowId


class HubStatus(BaseModel):
    """What a waiting home is told about the hub: is anyone there to answer."""

    nurses_signed_in: Counted
    nurses_free: Counted = Field(description="signed in, available and not on a call")
    answer_target_seconds: Counted
    phone: str | None = Field(description="the hub's phone number, if it has one")
    now: datetime = Field(description="the hub's clock, to judge a call's wait against")
