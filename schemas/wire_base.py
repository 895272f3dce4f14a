"""The websocket's shared pieces: identifiers, the PIN rule, close codes and the auth frame."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

CallId = Annotated[str, Field(min_length=1, max_length=36)]
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


PIN_DIGITS = (4, 8)  # a care-home carer's PIN for signing calls on a shared tablet
PIN_RULE = f"A PIN is {PIN_DIGITS[0]} to {PIN_DIGITS[1]} digits"


def is_pin(value: str) -> bool:
    return value.isascii() and value.isdigit() and PIN_DIGITS[0] <= len(value) <= PIN_DIGITS[1]


def _pin(value: str) -> str:
    if not is_pin(value):
        raise ValueError(PIN_RULE)
    return value


Pin = Annotated[
    str,
    AfterValidator(_pin),
    WithJsonSchema({"type": "string", "pattern": f"^[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}$"}),
]
MAX_FRAME_BYTES = 256 * 1024


class CloseCode(IntEnum):
    """Why the hub closed an authenticated socket (the websocket close code; the close
    reason is a sentence to show). Clients reconnect after any other code."""

    SESSION_ENDED = 4401  # signed out, or the session expired: sign in again to reconnect
    REVOKED = 4403  # the tablet was removed or the account disabled: do not reconnect
    TOO_MANY_SOCKETS = 4429  # this user or device already has its limit of open sockets

    @property
    def reconnects(self) -> bool:
        """Whether a client should try again by itself."""
        return self is CloseCode.SESSION_ENDED


# The close reasons the hub sends with those codes (at most 123 bytes each, by RFC 6455).
DEVICE_REMOVED = "This tablet has been removed from the hub"
USER_DISABLED = "This account has been disabled"
SIGNED_OUT = "You have signed out"
SESSION_EXPIRED = "Your session has expired: sign in again"
TOO_MANY_SOCKETS = "Too many connections open for this account: close one and try again"


# -- auth ---------------------------------------------------------------------------------
class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["auth"]
    ticket: str | None = Field(default=None, max_length=200)
    credential: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_secret(self) -> Auth:
        if (self.ticket is None) == (self.credential is None):
            raise ValueError("send exactly one of ticket (staff) or credential (device)")
        return self
