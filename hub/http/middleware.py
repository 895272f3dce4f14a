"""Errors mapped once for HTTP, security headers, and an Origin check on unsafe methods."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import ValidationError

from hub.errors import Forbidden, HubError, invalid_input
from hub.keys import SETTINGS
from schemas.errors import ErrorBody, ErrorCode

from .access import Handler

log = logging.getLogger("hub.http")

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(
    code: ErrorCode, status: int, message: str, field: str | None = None
) -> web.Response:
    body = ErrorBody(code=code, message=message, field=field)
    return web.json_response(body.model_dump(mode="json", exclude_none=True), status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HubError as exc:
        return error_response(exc.code, exc.status, exc.message, exc.field)
    except ValidationError as exc:
        err = invalid_input(exc)
        return error_response(err.code, err.status, err.message, err.field)
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api/"):
            code = ErrorCode.NOT_FOUND if exc.status == 404 else ErrorCode.INVALID_MESSAGE
            return error_response(code, exc.status, exc.reason)
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ErrorCode.INTERNAL, 500, "Something went wrong on the hub")


@web.middleware
async def origin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse cross-site writes: a browser's Origin must be the hub's own."""
    origin = request.headers.get("Origin")
    if request.method in _UNSAFE and origin and origin != "null":
        allowed = {_origin(str(request.app[SETTINGS].public_base_url)), _origin(str(request.url))}
        if _origin(origin) not in allowed:
            raise Forbidden("Cross-site request refused")
    return await handler(request)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(self), geolocation=()"
    )
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
