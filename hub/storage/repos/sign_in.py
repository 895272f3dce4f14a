"""What a socket's sign-in reads: the user or device, and in the same statement whether
its participant key holds a place in a call it has not left (a registration in no call
then has nothing to mark connected). Core statements built once, run on a connection
(``Database.lookup()``, or a session's), no ORM session or objects: every client runs one
on every registration (docs/performance.md, "Hub CPU per registration"). A participant key
is its principal's (``hub.auth.principal``): the caller gives the prefix the id follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from ..tables import CallParticipant, Device, User


@dataclass(frozen=True, slots=True)
class DeviceSignIn:
    """A device as its sign-in reads it (revoked or not: the caller refuses and audits)."""

    id: int
    site_id: int
    label: str
    person_id: int | None
    relationship: str | None
    revoked_at: datetime | None
    in_call: bool


@dataclass(frozen=True, slots=True)
class UserSignIn:
    """A member of staff as a ticket's redemption reads them (active or not)."""

    id: int
    role: str
    organisation_id: int
    display_name: str
    active: bool
    in_call: bool


def _with_place(id_column: Any, *columns: Any) -> sa.Select[Any]:
    key = sa.bindparam("key_prefix", type_=sa.String) + sa.cast(id_column, sa.String)
    place = sa.exists().where(
        col(CallParticipant.key) == key, col(CallParticipant.left_at).is_(None)
    )
    return sa.select(id_column, *columns, place.label("in_call"))


_DEVICE = _with_place(
    col(Device.id),
    col(Device.site_id),
    col(Device.label),
    col(Device.person_id),
    col(Device.relationship),
    col(Device.revoked_at),
)
_DEVICE_BY_CREDENTIAL = _DEVICE.where(col(Device.credential_hash) == sa.bindparam("credential"))
_DEVICE_BY_ID = _DEVICE.where(col(Device.id) == sa.bindparam("device_id"))
_USER_BY_ID = _with_place(
    col(User.id),
    col(User.role),
    col(User.organisation_id),
    col(User.display_name),
    col(User.active),
).where(col(User.id) == sa.bindparam("user_id"))


class SignInRepo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def device_by_credential(
        self, *, credential_hash: str, key_prefix: str
    ) -> DeviceSignIn | None:
        row = await self._one(
            _DEVICE_BY_CREDENTIAL, credential=credential_hash, key_prefix=key_prefix
        )
        return None if row is None else DeviceSignIn(**row)

    async def device_by_id(self, *, device_id: int, key_prefix: str) -> DeviceSignIn | None:
        row = await self._one(_DEVICE_BY_ID, device_id=device_id, key_prefix=key_prefix)
        return None if row is None else DeviceSignIn(**row)

    async def user_by_id(self, *, user_id: int, key_prefix: str) -> UserSignIn | None:
        row = await self._one(_USER_BY_ID, user_id=user_id, key_prefix=key_prefix)
        return None if row is None else UserSignIn(**row)

    async def _one(self, statement: sa.Select[Any], **params: Any) -> dict[str, Any] | None:
        row = (await self.conn.execute(statement, params)).first()
        return None if row is None else dict(row._mapping)
