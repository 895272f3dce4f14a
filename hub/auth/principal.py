"""Who a request or a socket belongs to, once authenticated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.storage.scope import Scope
from schemas.codes import CallerRelationship, Role


@dataclass(frozen=True, slots=True)
class Principal:
    scope: Scope
    name: str
    session_token_hash: str | None = None  # the signed-in session it came through, if any
    session_expires_at: datetime | None = None  # when that session ends by itself
    relationship: CallerRelationship | None = None  # who holds a device enrolled to a person

    @property
    def role(self) -> Role:
        return self.scope.role

    @property
    def is_device(self) -> bool:
        return self.scope.device_id is not None
