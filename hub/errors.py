"""The hub's error tree. Domain code raises these; the HTTP middleware and the websocket
dispatcher are the only two places that turn them into wire errors."""

from __future__ import annotations

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


class Draining(HubError):
    """This process is shutting down (SIGTERM): the client starts over on another one."""

    code = ErrorCode.DRAINING
    status = 503
