"""Who may call each route. Every handler declares its access; undeclared routes are refused.

``@allow(Role...)`` names the roles that may call a route; ``@public`` marks the few routes
that need no sign-in (health, sign-in, device enrolment). The access middleware resolves the
caller's session before the handler runs and puts the principal on the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from hub.auth.principal import Principal
from hub.errors import Forbidden, Unauthorised
from hub.services import SERVICES
from schemas.codes import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "telehub_session"
PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal", Principal)

ALL_ROLES = frozenset(Role)
CLINICAL_ROLES = frozenset(ALL_ROLES - {Role.COMMISSIONER})
HUB_ROLES = frozenset({Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN, Role.CLINICAL_LEAD})


@dataclass(frozen=True, slots=True)
class Access:
    roles: frozenset[Role] | None  # None: public
    devices: bool = False  # may an enrolled device call it?


def allow(*roles: Role, devices: bool = False) -> Callable[[Handler], Handler]:
    def mark(handler: Handler) -> Handler:
        handler.access = Access(frozenset(roles), devices)  # type: ignore[attr-defined]
        return handler

    return mark


def public(handler: Handler) -> Handler:
    handler.access = Access(None)  # type: ignore[attr-defined]
    return handler


def access_of(request: web.Request) -> Access | None:
    if isinstance(request.match_info.route.resource, web.StaticResource):
        return Access(None)
    handler: Any = request.match_info.handler
    return getattr(handler, "access", None)


async def _principal(request: web.Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await request.app[SERVICES].identity.resolve_session(token)


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        return await handler(request)
    access = access_of(request)
    if access is None:
        raise Forbidden("This route has no access rule")
    principal = await _principal(request)
    if principal is not None:
        request[PRINCIPAL] = principal
    if access.roles is None:
        return await handler(request)
    if principal is None:
        if request.method == "GET" and _is_page(request.path):
            # A browser opening a page with no (or an expired) session goes to sign in and
            # comes back; an enrolled tablet signs itself back in there with its credential.
            raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='/')}")
        raise Unauthorised("Please sign in")
    if principal.is_device and not access.devices:
        raise Forbidden("A tablet cannot do this; sign in as a member of staff")
    if principal.role not in access.roles:
        raise Forbidden("Your role cannot do this")
    return await handler(request)


def _is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/ws"))


def principal_of(request: web.Request) -> Principal:
    try:
        return request[PRINCIPAL]
    except KeyError:
        raise Unauthorised("Please sign in") from None
