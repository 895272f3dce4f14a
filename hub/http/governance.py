"""The information-governance view of the audit trail, for the hub administrator: who read
which person's record when, filterable by person, user and London day, as a page and CSV."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from hub.audit.service import PAGE_ROWS, TrailQuery
from hub.errors import HubError
from hub.services import SERVICES
from schemas.codes import Role

from .access import allow, principal_of
from .bodies import query_date, query_int
from .console import _context

routes = web.RouteTableDef()
FILTERS = ("person", "user", "from", "to")


def trail_query(request: web.Request) -> TrailQuery:
    return TrailQuery(
        person_id=query_int(request, "person"),
        username=(request.query.get("user") or "").strip()[:80] or None,
        since=query_date(request, "from"),
        until=query_date(request, "to"),
    )


@routes.get("/admin/audit")
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template("console/audit.html")
async def audit_page(request: web.Request) -> dict[str, Any]:
    scope = principal_of(request).scope
    error, entries = None, []
    try:
        entries = await request.app[SERVICES].audit.trail(scope, trail_query(request))
    except HubError as exc:
        error = exc
    kept = {k: request.query[k] for k in FILTERS if request.query.get(k)}
    return _context(
        request,
        "Audit trail",
        "/admin/audit",
        entries=entries,
        query=request.query,
        query_string=urlencode(kept),
        page_rows=PAGE_ROWS,
        error=error,
    )


@routes.get("/admin/audit.csv")
@allow(Role.HUB_ADMIN)
async def audit_csv(request: web.Request) -> web.Response:
    text = await request.app[SERVICES].audit.trail_csv(
        principal_of(request).scope, trail_query(request)
    )
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-trail.csv"',
            "Cache-Control": "no-store",
        },
    )
