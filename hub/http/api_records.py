"""Sites, residents, calls and message threads, read through the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime, time

from aiohttp import web

from hub.keys import RECORDS
from schemas.api import (
    CallEventPublic,
    CallPublic,
    MessagePublic,
    OrganisationPublic,
    PersonCreate,
    PersonPublic,
)
from schemas.codes import Role

from .access import ALL_ROLES, CLINICAL_ROLES, allow, principal_of
from .bodies import json_of, path_int, query_date, query_int, read_body

routes = web.RouteTableDef()


@routes.get("/api/sites")
@allow(*ALL_ROLES, devices=True)
async def sites(request: web.Request) -> web.Response:
    found = await request.app[RECORDS].sites(principal_of(request).scope)
    return json_of([OrganisationPublic.model_validate(o) for o in found])


@routes.get("/api/residents")
@allow(*CLINICAL_ROLES, devices=True)
async def residents(request: web.Request) -> web.Response:
    found = await request.app[RECORDS].find_people(
        principal_of(request).scope, site_id=query_int(request, "site"), text=request.query.get("q")
    )
    return json_of([PersonPublic.model_validate(p) for p in found])


@routes.post("/api/residents")
@allow(Role.CARE_HOME_STAFF, Role.HUB_NURSE, Role.HUB_ADMIN, devices=True)
async def add_resident(request: web.Request) -> web.Response:
    body = await read_body(request, PersonCreate)
    person = await request.app[RECORDS].add_person(principal_of(request).scope, body)
    return json_of(PersonPublic.model_validate(person), status=201)


@routes.get("/api/residents/{person_id}")
@allow(*CLINICAL_ROLES, devices=True)
async def resident(request: web.Request) -> web.Response:
    person = await request.app[RECORDS].person(
        principal_of(request).scope, path_int(request, "person_id")
    )
    return json_of(PersonPublic.model_validate(person))


@routes.get("/api/calls")
@allow(*CLINICAL_ROLES, devices=True)
async def calls(request: web.Request) -> web.Response:
    since, until = query_date(request, "from"), query_date(request, "to")
    found = await request.app[RECORDS].call_history(
        principal_of(request).scope,
        site_id=query_int(request, "site"),
        person_id=query_int(request, "resident"),
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until, time(), UTC) if until else None,
        disposition=request.query.get("disposition") or None,
    )
    return json_of([CallPublic.model_validate(c) for c in found])


@routes.get("/api/calls/{call_id}")
@allow(*CLINICAL_ROLES, devices=True)
async def call(request: web.Request) -> web.Response:
    found = await request.app[RECORDS].call(
        principal_of(request).scope, request.match_info["call_id"]
    )
    return json_of(CallPublic.model_validate(found))


@routes.get("/api/calls/{call_id}/events")
@allow(*CLINICAL_ROLES, devices=True)
async def call_events(request: web.Request) -> web.Response:
    found = await request.app[RECORDS].call_events(
        principal_of(request).scope, request.match_info["call_id"]
    )
    return json_of([CallEventPublic.model_validate(e) for e in found])


@routes.get("/api/sites/{site_id}/messages")
@allow(*CLINICAL_ROLES, devices=True)
async def thread(request: web.Request) -> web.Response:
    found = await request.app[RECORDS].thread(
        principal_of(request).scope,
        path_int(request, "site_id"),
        after_id=query_int(request, "after") or 0,
    )
    return json_of([MessagePublic.model_validate(m) for m in found])
