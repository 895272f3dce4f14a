"""Stable error codes and the error body shared by HTTP and the websocket."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class ErrorCode(StrEnum):
    INVALID_MESSAGE = "invalid_message"
    UNAUTHORISED = "unauthorised"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_STATE = "invalid_state"
    RATE_LIMITED = "rate_limited"
    DRAINING = "draining"  # this hub process is shutting down: start the call again elsewhere
    UNAVAILABLE = "unavailable"  # the hub cannot reach its database now: nothing was done
    INTERNAL = "internal"


class ErrorBody(BaseModel):
    code: ErrorCode
    message: str
    field: str | None = None
