"""Who a request or a socket belongs to, once authenticated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.storage.scope import Scope
from schemas.codes import CallerRelationship, Role

USER_KEY_PREFIX = "user:"


def user_key(user_id: int | None) -> str:
    """A member of staff's participant key: the topic their sockets hear, their place in a
    call, the sender of their messages. Built here only."""
    return f"{USER_KEY_PREFIX}{user_id}"


DEVICE_KEY_PREFIX = "device:"


def device_key(device_id: int) -> str:
    """An enrolled tablet's participant key (see :func:`user_key`)."""
    return f"{DEVICE_KEY_PREFIX}{device_id}"


@dataclass(frozen=True, slots=True)
class Principal:
    scope: Scope
    name: str
    session_token_hash: str | None = None  # the signed-in session it came through, if any
    session_expires_at: datetime | None = None  # when that session ends by itself
    relationship: CallerRelationship | None = None  # who holds a device enrolled to a person
    # Whether it held a place in a call it had not left when it signed in, if that sign-in
    # read it (None: not known). False: its registration has no place to mark connected.
    in_call: bool | None = None

    @property
    def role(self) -> Role:
        return self.scope.role

    @property
    def is_device(self) -> bool:
        return self.scope.device_id is not None

    @property
    def key(self) -> str:
        """This principal's participant key: the tablet's if it is one, else the user's."""
        device_id = self.scope.device_id
        return device_key(device_id) if device_id is not None else user_key(self.scope.user_id)
