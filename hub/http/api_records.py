"""Sites, residents, calls and message threads, read through the caller's scope."""

from __future__ import annotations

from aiohttp import web

from hub.keys import RECORDS
from hub.storage.repos.history import CallFilters
from schemas.api import (
    CallEventPublic,
    CallPublic,
    MessagePublic,
    OrganisationPublic,
    PersonCreate,
    PersonPublic,
)
from schemas.codes import Role

from .access import ALL_ROLES, CLINICAL_ROLES, HUB_ROLES, allow, principal_of
from .bodies import json_of, path_int, query_days, query_int, read_body

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


def history_filters(request: web.Request) -> CallFilters:
    """The history search's filters from the query string: ``site``, ``resident`` (a name or
    the start of an NHS number), ``from`` and ``to`` (whole London days, both included) and
    ``disposition``."""
    return CallFilters(
        site_id=query_int(request, "site"),
        resident=(request.query.get("resident") or "").strip() or None,
        days=query_days(request),
        disposition=request.query.get("disposition") or None,
    )


@routes.get("/api/calls")
@allow(*CLINICAL_ROLES, devices=True)
async def calls(request: web.Request) -> web.Response:
    """The calls themselves; here ``resident`` is a person's id."""
    filters = CallFilters(
        site_id=query_int(request, "site"),
        person_id=query_int(request, "resident"),
        days=query_days(request),
        disposition=request.query.get("disposition") or None,
    )
    found = await request.app[RECORDS].call_history(principal_of(request).scope, filters, limit=50)
    return json_of([CallPublic.model_validate(hit.call) for hit in found])


@routes.get("/api/call-history")
@allow(*HUB_ROLES)
async def call_history(request: web.Request) -> web.Response:
    """The console's history search: one row per call, with names."""
    rows = await request.app[RECORDS].history_rows(
        principal_of(request).scope, history_filters(request)
    )
    return json_of([row for row in rows])


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
