"""The hub's error tree. Domain code raises these; the HTTP middleware and the websocket
dispatcher are the only two places that turn them into wire errors."""

from __future__ import annotations

import re
from typing import NamedTuple

from pydantic import ValidationError
from pydantic_core import from_json

from schemas.errors import ErrorCode


class HubError(Exception):
    code: ErrorCode = ErrorCode.INTERNAL
    status: int = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(HubError):
    code = ErrorCode.INVALID_MESSAGE
    status = 422


class Unauthorised(HubError):
    code = ErrorCode.UNAUTHORISED
    status = 401


class Forbidden(HubError):
    code = ErrorCode.FORBIDDEN
    status = 403


class NotFound(HubError):
    code = ErrorCode.NOT_FOUND
    status = 404


class Conflict(HubError):
    code = ErrorCode.CONFLICT
    status = 409


class InvalidState(HubError):
    code = ErrorCode.INVALID_STATE
    status = 409


class RateLimited(HubError):
    code = ErrorCode.RATE_LIMITED
    status = 429

    def __init__(
        self, message: str, *, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after  # seconds, sent as HTTP Retry-After when known


class Problem(NamedTuple):
    """One thing wrong with some input: where (a dotted field name) and what, in words.
    Never the offending value: it may identify a person."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def problems(exc: ValidationError, *, skip: int = 0, limit: int = 1) -> list[Problem]:
    """The one reading of pydantic's errors used everywhere (HTTP, websocket, settings, the
    command line, imports). ``skip`` drops leading location parts (a union's tag); list
    indexes are left out of the field name."""
    found = []
    for error in exc.errors(include_url=False, include_input=False)[:limit]:
        loc = [str(p) for p in error.get("loc", ())[skip:] if not isinstance(p, int)]
        message = " ".join(str(error.get("msg", "invalid")).removeprefix("Value error, ").split())
        found.append(Problem(".".join(loc) or None, message))
    return found


def first_problem(exc: ValidationError, *, skip: int = 0) -> Problem:
    found = problems(exc, skip=skip)
    return found[0] if found else Problem(None, "invalid")


def invalid_input(exc: ValidationError, *, skip: int = 0) -> InvalidInput:
    problem = first_problem(exc, skip=skip)
    return InvalidInput(str(problem), field=problem.field)


UNSTORABLE = (
    "Text cannot hold the NUL character (\\u0000) or half of a surrogate pair: "
    "remove it and send again"
)


def unstorable_field(data: object, at: tuple[str, ...] = ()) -> str | None:
    """Where ``data`` (parsed JSON, a query) holds text no database stores: a NUL, which
    PostgreSQL refuses, or a lone surrogate, which is not UTF-8. The dotted field name ("" for
    the value itself), None when it holds none; list indexes are left out, as in ``problems``.
    """
    if isinstance(data, str):
        return ".".join(at) if not _storable(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            name = str(key)
            if not _storable(name):
                return ".".join(at)
            found = unstorable_field(value, (*at, name))
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = unstorable_field(value, at)
            if found is not None:
                return found
    return None


def refuse_unstorable(data: object) -> None:
    """Refuse, naming the field, input holding text the hub cannot store (``unstorable_field``)."""
    found = unstorable_field(data)
    if found is not None:
        raise InvalidInput(UNSTORABLE, field=found or None)


_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
"""A NUL or a surrogate reaches a JSON text only escaped; nearly no JSON has either escape."""


def refuse_unstorable_json(raw: str | bytes) -> None:
    """``refuse_unstorable`` for a JSON text, parsed only when it holds a suspect escape (one
    regex search for nearly every frame or body). Not JSON: left to the caller's parser."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if _SUSPECT_ESCAPE.search(text) is None:
        return
    try:
        data = from_json(raw)
    except ValueError:
        return
    refuse_unstorable(data)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Draining(HubError):
    """This process is shutting down (SIGTERM): the client starts over on another one."""

    code = ErrorCode.DRAINING
    status = 503


class Unavailable(HubError):
    """The database cannot be reached (stopped, restarting, the network to it gone). Nothing
    was written: the client sends the same thing again (with the same client id) later."""

    code = ErrorCode.UNAVAILABLE
    status = 503
    retry_after = 1  # seconds, sent as HTTP Retry-After
