"""Sites, residents, calls and message threads, read through the caller's scope."""

from __future__ import annotations

from aiohttp import web

from hub.clock import LondonDays
from hub.services import SERVICES
from hub.storage.repos.history import CallFilters
from schemas.api import (
    CallEventPublic,
    CallId,
    CallPublic,
    CallSearch,
    MessagePublic,
    OrganisationPublic,
    PersonCreate,
    PersonPublic,
    ResidentSearch,
    RowId,
    ThreadQuery,
)
from schemas.codes import Role

from .access import ALL_ROLES, CLINICAL_ROLES, allow, principal_of
from .contract import api

routes = web.RouteTableDef()


@routes.get("/api/sites")
@allow(*ALL_ROLES, devices=True)
@api("The sites the caller may see", tag="records")
async def sites(request: web.Request) -> list[OrganisationPublic]:
    found = await request.app[SERVICES].records.sites(principal_of(request).scope)
    return [OrganisationPublic.model_validate(o) for o in found]


@routes.get("/api/residents")
@allow(*CLINICAL_ROLES, devices=True)
@api("Find residents by site and name", tag="records")
async def residents(request: web.Request, query: ResidentSearch) -> list[PersonPublic]:
    found = await request.app[SERVICES].records.find_people(
        principal_of(request).scope, site_id=query.site, text=query.q
    )
    return [PersonPublic.model_validate(p) for p in found]


@routes.post("/api/residents")
@allow(Role.CARE_HOME_STAFF, Role.PRISON_STAFF, Role.HUB_NURSE, Role.HUB_ADMIN, devices=True)
@api(
    "Register a resident",
    tag="records",
    status=201,
    rules="the NHS number must not be registered already",
)
async def add_resident(request: web.Request, body: PersonCreate) -> PersonPublic:
    person = await request.app[SERVICES].records.add_person(principal_of(request).scope, body)
    return PersonPublic.model_validate(person)


@routes.get("/api/residents/{person_id}")
@allow(*CLINICAL_ROLES, devices=True)
@api("One resident", tag="records")
async def resident(request: web.Request, person_id: RowId) -> PersonPublic:
    person = await request.app[SERVICES].records.person(principal_of(request).scope, person_id)
    return PersonPublic.model_validate(person)


@routes.get("/api/calls")
@allow(*CLINICAL_ROLES, devices=True)
@api(
    "Calls, newest first, filtered by site, resident, dates and disposition",
    tag="records",
    rules="`to` must not be before `from`",
)
async def calls(request: web.Request, query: CallSearch) -> list[CallPublic]:
    """The calls themselves; here ``resident`` is a person's id. Dates are whole London days,
    both ends included."""
    filters = CallFilters(
        site_id=query.site,
        person_id=query.resident,
        days=LondonDays(query.from_, query.to),
        disposition=query.disposition,
    )
    found = await request.app[SERVICES].records.call_history(
        principal_of(request).scope, filters, limit=50
    )
    return [CallPublic.model_validate(hit.call) for hit in found]


@routes.get("/api/calls/{call_id}")
@allow(*CLINICAL_ROLES, devices=True)
@api("One call", tag="records")
async def call(request: web.Request, call_id: CallId) -> CallPublic:
    found = await request.app[SERVICES].records.call(principal_of(request).scope, call_id)
    return CallPublic.model_validate(found)


@routes.get("/api/calls/{call_id}/events")
@allow(*CLINICAL_ROLES, devices=True)
@api("A call's events, in order", tag="records")
async def call_events(request: web.Request, call_id: CallId) -> list[CallEventPublic]:
    found = await request.app[SERVICES].records.call_events(principal_of(request).scope, call_id)
    return [CallEventPublic.model_validate(e) for e in found]


@routes.get("/api/sites/{site_id}/messages")
@allow(*CLINICAL_ROLES, devices=True)
@api("A site's message thread after a message id", tag="messages")
async def thread(request: web.Request, site_id: RowId, query: ThreadQuery) -> list[MessagePublic]:
    found = await request.app[SERVICES].records.thread(
        principal_of(request).scope, site_id, after_id=query.after
    )
    return [MessagePublic.model_validate(m) for m in found]
