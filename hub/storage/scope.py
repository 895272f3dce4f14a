"""The caller's scope, which every storage read takes as its first argument.

A scope is built only from an authenticated principal. Repositories turn it into a
WHERE clause on the site column of whatever they read, so a query that forgets the
scope cannot be written: there is no repository method without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlmodel import col

from hub.errors import Forbidden
from schemas.codes import Role

from .tables import Organisation

HUB_ROLES = frozenset({Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN, Role.CLINICAL_LEAD})
SITE_ROLES = frozenset({Role.CARE_HOME_STAFF, Role.PRISON_STAFF})
"""Staff of one site: a care home's or home service's, or a prison healthcare unit's."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking: a role in an organisation, as a user or an enrolled device."""

    role: Role
    organisation_id: int
    user_id: int | None = None
    device_id: int | None = None
    person_id: int | None = None  # a device enrolled to one person at home: that person alone

    @property
    def actor(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.device_id is not None:
            return f"device:{self.device_id}"
        return "cli"

    @property
    def is_hub(self) -> bool:
        return self.role in HUB_ROLES

    @property
    def reads_clinical_records(self) -> bool:
        """Commissioners see aggregates only, never a person's record or a call."""
        return self.role is not Role.COMMISSIONER

    def site_clause(self, site_column: Any) -> ColumnElement[bool]:
        """Restrict ``site_column`` to the sites this scope may see."""
        if self.is_hub:
            return true()
        if self.role in SITE_ROLES:
            return site_column == self.organisation_id
        if self.role is Role.COMMISSIONER:
            return site_column.in_(
                select(col(Organisation.id)).where(
                    col(Organisation.commissioner_id) == self.organisation_id
                )
            )
        return false()

    def person_clause(self, person_column: Any) -> ColumnElement[bool]:
        """Restrict ``person_column`` to the scope's person, when it has one: a patient's
        (or carer's) own device reads that person's records and nobody else's."""
        if self.person_id is None:
            return true()
        return person_column == self.person_id

    @property
    def is_person(self) -> bool:
        return self.person_id is not None

    def require_site_wide(self) -> None:
        """Refuse a read of the whole site (its resident list, its thread) to a device
        enrolled to one person."""
        if self.person_id is not None:
            raise Forbidden("This device is enrolled to one person and reads only their record")

    def require_clinical(self) -> None:
        if not self.reads_clinical_records:
            raise Forbidden("Your role cannot read clinical records")

    def require_hub(self) -> None:
        if not self.is_hub:
            raise Forbidden("Only the hub can do this")

    def require_admin(self) -> None:
        self.require(Role.HUB_ADMIN)

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden("Your role cannot do this")


SYSTEM = Scope(role=Role.HUB_ADMIN, organisation_id=0)
"""The scope of the command line and background jobs run by the operator."""
