"""Who a request or a socket belongs to, once authenticated."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.scope import Scope
from schemas.codes import Role


@dataclass(frozen=True, slots=True)
class Principal:
    scope: Scope
    name: str
    session_token_hash: str | None = None

    @property
    def role(self) -> Role:
        return self.scope.role

    @property
    def is_device(self) -> bool:
        return self.scope.device_id is not None
