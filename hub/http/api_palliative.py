"""A person's palliative (Gold Line) register entry over REST: read it with its history,
add a version, record the death and correct it."""

from __future__ import annotations

from aiohttp import web

from hub.palliative.register import EDITORS, PalliativeService
from hub.services import SERVICES
from schemas.api import RowId
from schemas.palliative import DeathCorrection, DeathCreate, PalliativeRecord, RegisterChange

from .access import HUB_ROLES, allow, principal_of
from .contract import api

routes = web.RouteTableDef()


def palliative(request: web.Request) -> PalliativeService:
    return request.app[SERVICES].palliative


@routes.get("/api/residents/{person_id}/palliative")
@allow(*HUB_ROLES)
@api("A person's palliative register entry, its history and their death", tag="records")
async def register_entry(request: web.Request, person_id: RowId) -> PalliativeRecord:
    return await palliative(request).record(principal_of(request).scope, person_id)


@routes.post("/api/residents/{person_id}/palliative")
@allow(*EDITORS)
@api(
    "Change a person's palliative register entry (a new version; none is overwritten)",
    tag="records",
    status=201,
    rules="base_version must be the current version; no date may be in the future",
)
async def change_entry(
    request: web.Request, person_id: RowId, body: RegisterChange
) -> PalliativeRecord:
    return await palliative(request).change(principal_of(request).scope, person_id, body)


@routes.post("/api/residents/{person_id}/death")
@allow(*EDITORS)
@api(
    "Record a person's death: the day and the actual place",
    tag="records",
    status=201,
    rules="recorded once (a change is a correction); the day must not be in the future",
)
async def record_death(
    request: web.Request, person_id: RowId, body: DeathCreate
) -> PalliativeRecord:
    return await palliative(request).record_death(principal_of(request).scope, person_id, body)


@routes.post("/api/residents/{person_id}/death/corrections")
@allow(*EDITORS)
@api(
    "Correct a person's recorded death: a new version with a reason (the old one is kept)",
    tag="records",
    status=201,
    rules="base_version must be the current death record's version; a reason is required;"
    " the day must not be in the future",
)
async def correct_death(
    request: web.Request, person_id: RowId, body: DeathCorrection
) -> PalliativeRecord:
    return await palliative(request).correct_death(principal_of(request).scope, person_id, body)
