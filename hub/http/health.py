"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from hub.keys import BROKER, DATABASE
from hub.realtime.context import REALTIME
from hub.services import SERVICES
from hub.storage.migrate import current_revision, head_revision
from schemas.api import Health

from .access import public
from .bodies import json_of
from .contract import Reply, api

routes = web.RouteTableDef()


@routes.get("/healthz")
@public
@api("Liveness: the process answers", tag="health")
async def healthz(_request: web.Request) -> Health:
    return Health(status="ok")


@routes.get("/readyz")
@public
@api(
    "Readiness: the database answers and is migrated",
    tag="health",
    replies=(Reply(200, "Ready", Health), Reply(503, "Not ready, and why", Health)),
)
async def readyz(request: web.Request) -> web.Response:
    app = request.app
    if REALTIME in app and app[REALTIME].drain.draining:
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
        return json_of(Health(status="unavailable", detail="database unreachable"), status=503)
    head = head_revision()
    if current != head:
        detail = f"migrations at {current}, expected {head}"
        return json_of(Health(status="unavailable", detail=detail), status=503)
    if SERVICES in app and not app[SERVICES].timers.ready:  # start not yet recorded
        return json_of(Health(status="unavailable", detail="starting"), status=503)
    return json_of(Health(status="ready"))
