"""Errors mapped once for HTTP (the security headers are in headers.py)."""

from __future__ import annotations

import logging

from aiohttp import web
from pydantic import ValidationError

from hub.errors import HubError, RateLimited, Unavailable, invalid_input
from schemas.errors import ErrorBody, ErrorCode

from .access import Handler
from .page_refusals import browsing, missing_page, refusal_page, wants_page

log = logging.getLogger("hub.http")


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
        if wants_page(request, exc):
            return refusal_page(request, exc)
        response = error_response(exc.code, exc.status, exc.message, exc.field)
        if isinstance(exc, RateLimited | Unavailable) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        err = invalid_input(exc)
        return error_response(err.code, err.status, err.message, err.field)
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api/"):
            code = ErrorCode.NOT_FOUND if exc.status == 404 else ErrorCode.INVALID_MESSAGE
            response = error_response(code, exc.status, exc.reason)
            if "Allow" in exc.headers:  # a 405 names the methods the route takes (RFC 9110)
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        if exc.status == 404 and browsing(request):
            return missing_page(request)
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ErrorCode.INTERNAL, 500, "Something went wrong on the hub")
