"""A call's outcome over REST: wrap-up drafts and the record, the call record,
amendments, the resident summary, the follow-up worklist and the shift view."""

from __future__ import annotations

from aiohttp import web

from hub.keys import CLOCK, DATABASE, REALTIME, SETTINGS
from hub.outcomes.followups import FollowUpService
from hub.outcomes.record import CallRecordService
from hub.outcomes.shift import ShiftService
from hub.outcomes.wrapup import WrapUpService
from schemas.codes import Role
from schemas.outcomes import AmendmentCreate, FollowUpRecord, WrapUpAnswers, WrapUpDraftSave

from .access import HUB_ROLES, allow, principal_of
from .bodies import json_of, path_int, read_body

routes = web.RouteTableDef()
NURSE = Role.HUB_NURSE
RECORDERS = (Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)
FOLLOWERS_UP = (Role.HUB_NURSE, Role.HUB_ADMIN)


def wrapups(request: web.Request) -> WrapUpService:
    app = request.app
    return WrapUpService(app[DATABASE], app[CLOCK], app[REALTIME].services.calls)


def records(request: web.Request) -> CallRecordService:
    return CallRecordService(request.app[DATABASE], request.app[CLOCK])


def follow_ups(request: web.Request) -> FollowUpService:
    return FollowUpService(request.app[DATABASE], request.app[CLOCK])


def shift(request: web.Request) -> ShiftService:
    return ShiftService(request.app[DATABASE], request.app[CLOCK], request.app[SETTINGS])


# -- wrap-up ------------------------------------------------------------------------------
@routes.get("/api/calls/{call_id}/wrap-up")
@allow(NURSE)
async def wrap_up_draft(request: web.Request) -> web.Response:
    draft = await wrapups(request).draft(principal_of(request), request.match_info["call_id"])
    return json_of(draft)


@routes.put("/api/calls/{call_id}/wrap-up")
@allow(NURSE)
async def save_wrap_up_draft(request: web.Request) -> web.Response:
    body = await read_body(request, WrapUpDraftSave)
    draft = await wrapups(request).save(principal_of(request), request.match_info["call_id"], body)
    return json_of(draft)


@routes.post("/api/calls/{call_id}/outcome")
@allow(NURSE)
async def record_outcome(request: web.Request) -> web.Response:
    body = await read_body(request, WrapUpAnswers)
    snapshot = await wrapups(request).submit(
        principal_of(request), request.match_info["call_id"], body
    )
    return json_of(snapshot, status=201)


# -- the record ---------------------------------------------------------------------------
@routes.get("/api/calls/{call_id}/record")
@allow(*HUB_ROLES)
async def call_record(request: web.Request) -> web.Response:
    record = await records(request).record(
        principal_of(request).scope, request.match_info["call_id"]
    )
    return json_of(record)


@routes.post("/api/calls/{call_id}/amendments")
@allow(*RECORDERS)
async def amend(request: web.Request) -> web.Response:
    body = await read_body(request, AmendmentCreate)
    amendment = await records(request).amend(
        principal_of(request), request.match_info["call_id"], body
    )
    return json_of(amendment, status=201)


@routes.get("/api/residents/{person_id}/summary")
@allow(*HUB_ROLES)
async def resident_summary(request: web.Request) -> web.Response:
    summary = await records(request).resident_summary(
        principal_of(request).scope,
        path_int(request, "person_id"),
        exclude_call_id=request.query.get("call") or None,
    )
    return json_of(summary)


# -- follow-ups ---------------------------------------------------------------------------
@routes.get("/api/follow-ups")
@allow(*FOLLOWERS_UP)
async def follow_up_worklist(request: web.Request) -> web.Response:
    tasks = await follow_ups(request).worklist(principal_of(request).scope)
    return json_of(list(tasks))


@routes.post("/api/follow-ups/{task_id}")
@allow(*FOLLOWERS_UP)
async def record_follow_up(request: web.Request) -> web.Response:
    body = await read_body(request, FollowUpRecord)
    task = await follow_ups(request).record(
        principal_of(request), path_int(request, "task_id"), body
    )
    return json_of(task)


# -- the shift ----------------------------------------------------------------------------
@routes.get("/api/shift")
@allow(Role.HUB_ADMIN)
async def shift_view(request: web.Request) -> web.Response:
    return json_of(await shift(request).view(principal_of(request).scope))
