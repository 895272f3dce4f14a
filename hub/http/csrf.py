"""Cross-site request forgery: a state-changing request that a browser could have been
tricked into sending must prove it came from one of the hub's own pages.

Two checks on every POST, PUT, PATCH and DELETE:

- **Where from.** ``Origin`` (or, when a browser sends none, ``Referer``) must be the hub's
  own origin. ``Origin: null`` (a sandboxed frame, a redirect chain, a ``data:`` page) is
  refused like any other site. A request with neither header is refused when it carries the
  session cookie; without the cookie it is a script (the Python device client enrolling,
  ``curl``), which a page on another site cannot make a browser send, so it goes on to the
  handler's own authentication.
- **A per-session token.** A request carrying the session cookie must also carry that
  session's CSRF token: in the ``X-CSRF-Token`` header (the JS clients, which read it from
  the ``telehub_csrf`` cookie), in a ``csrf_token`` form field (every form the hub renders),
  or, for the two forms whose fields the hub cannot add to (the NHS header's sign-out button
  and the multipart import upload), in the form action's ``csrf_token`` query parameter
  (query values are never logged). The token is an HMAC of the session token, so it needs no
  storage and dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aiohttp import web

from hub.errors import Forbidden
from hub.keys import SETTINGS

from .access import SESSION_COOKIE, Handler
from .bodies import CSRF_FIELD, read_form

CSRF_COOKIE = "telehub_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_URLENCODED = "application/x-www-form-urlencoded"


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"telehub csrf token", hashlib.sha256).hexdigest()


def request_csrf_token(request: web.Request) -> str:
    """The token for the request's session, for a page to put in its forms; "" without one."""
    session = request.cookies.get(SESSION_COOKIE)
    return csrf_token(session) if session else ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE:
        session = request.cookies.get(SESSION_COOKIE)
        _check_origin(request, signed_in=bool(session))
        if session:
            await _check_token(request, session)
    return await handler(request)


def _check_origin(request: web.Request, *, signed_in: bool) -> None:
    source = request.headers.get("Origin")
    if source is None and (referer := request.headers.get("Referer")):
        source = origin_of(referer)
    if source is None:
        if signed_in:
            raise Forbidden("A signed-in request must say where it comes from (Origin)")
        return
    allowed = {origin_of(str(request.app[SETTINGS].public_base_url)), origin_of(str(request.url))}
    if source.strip().lower() not in allowed:
        raise Forbidden("Cross-site request refused")


async def _check_token(request: web.Request, session: str) -> None:
    sent = request.headers.get(CSRF_HEADER) or request.query.get(CSRF_FIELD)
    if not sent and request.content_type == _URLENCODED:
        value = (await read_form(request)).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), csrf_token(session).encode()):
        raise Forbidden("This page has expired: reload it and try again", field=CSRF_FIELD)


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def set_csrf_cookie(
    response: web.StreamResponse, session_token: str, *, max_age: int, secure: bool
) -> None:
    """The token where the JS clients can read it (not HttpOnly: it is not a credential,
    and a page on another site cannot read this site's cookies)."""
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(session_token),
        max_age=max_age,
        httponly=False,
        samesite="Strict",
        secure=secure,
        path="/",
    )


async def template_context(request: web.Request) -> dict[str, str]:
    """Every template gets ``csrf_token`` for its forms (an aiohttp_jinja2 processor)."""
    return {CSRF_FIELD: request_csrf_token(request)}
