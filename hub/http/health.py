"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from hub.keys import BROKER, DATABASE, REALTIME
from hub.storage.migrate import current_revision, head_revision

from .access import public

routes = web.RouteTableDef()


@routes.get("/healthz")
@public
async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
@public
async def readyz(request: web.Request) -> web.Response:
    app = request.app
    if REALTIME in app and app[REALTIME].services.drain.draining:
        return web.json_response({"status": "unavailable", "detail": "draining"}, status=503)
    if BROKER in app and not app[BROKER].healthy:
        return web.json_response(
            {"status": "unavailable", "detail": "broker unreachable"}, status=503
        )
    db = app[DATABASE]
    try:
        await db.ping()
        current = await current_revision(db)
    except Exception:  # a database we cannot reach is the answer, not an error
        return web.json_response(
            {"status": "unavailable", "detail": "database unreachable"}, status=503
        )
    head = head_revision()
    if current != head:
        return web.json_response(
            {"status": "unavailable", "detail": f"migrations at {current}, expected {head}"},
            status=503,
        )
    return web.json_response({"status": "ready"})
