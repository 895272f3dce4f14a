"""Every refused request is written to the audit trail: who asked, for which ids, and why.

Sign-in and enrolment (the public routes) audit their own refusals in the identity service;
everything else that answers 401, 403 or 404 from the hub's own checks is audited here.
"""

from __future__ import annotations

import logging

from aiohttp import web

from hub.errors import Forbidden, HubError, NotFound, Unauthorised
from hub.services import SERVICES

from .access import PRINCIPAL, Handler, access_of

log = logging.getLogger("hub.http")


@web.middleware
async def refusal_audit(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (Unauthorised, Forbidden, NotFound) as exc:
        access = access_of(request) if request.match_info.http_exception is None else None
        if not (isinstance(exc, Unauthorised) and access is not None and access.roles is None):
            await audit_refusal(request, exc)
        raise


async def audit_refusal(request: web.Request, exc: HubError) -> None:
    """Audit one refusal; also for a page that answers a refused form with the form again."""
    principal = request.get(PRINCIPAL)
    resource = request.match_info.route.resource
    where = f"{request.method} {resource.canonical if resource else request.path}"
    try:
        await request.app[SERVICES].audit.refused(
            principal.scope if principal else None, where, exc, dict(request.match_info)
        )
    except Exception:  # the refusal still stands; the operator sees the lost row here
        log.exception("could not audit a refusal on %s", where)
