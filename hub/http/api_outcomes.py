"""A call's outcome over REST: wrap-up drafts and the record, the call record and history,
amendments, the resident summary, the follow-up worklist and the shift view."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from aiohttp import web

from hub.keys import CLOCK, DATABASE, REALTIME, SETTINGS
from hub.outcomes.amenders import AMENDERS, FOLLOW_UP_RECORDERS
from hub.outcomes.followups import FollowUpService
from hub.outcomes.record import CallRecordService
from hub.outcomes.shift import ShiftService
from hub.outcomes.wrapup import WrapUpService
from schemas.codes import Role
from schemas.outcomes import AmendmentCreate, FollowUpRecord, WrapUpAnswers, WrapUpDraftSave

from .access import HUB_ROLES, allow, principal_of
from .bodies import json_of, path_int, query_date, query_int, read_body

routes = web.RouteTableDef()
NURSE = Role.HUB_NURSE
RECORDERS = AMENDERS
FOLLOWERS_UP = FOLLOW_UP_RECORDERS


def wrapups(request: web.Request) -> WrapUpService:
    app = request.app
    return WrapUpService(app[DATABASE], app[CLOCK], app[REALTIME].services.calls)


def records(request: web.Request) -> CallRecordService:
    return CallRecordService(request.app[DATABASE], request.app[CLOCK])


def follow_ups(request: web.Request) -> FollowUpService:
    return FollowUpService(request.app[DATABASE], request.app[CLOCK])


def shift(request: web.Request) -> ShiftService:
    return ShiftService(request.app[DATABASE], request.app[CLOCK], request.app[SETTINGS])


def history_filters(request: web.Request) -> dict[str, object]:
    """The history search's filters from the query string (dates are whole London days)."""
    since, until = query_date(request, "from"), query_date(request, "to")
    return {
        "site_id": query_int(request, "site"),
        "resident": (request.query.get("resident") or "").strip() or None,
        "since": datetime.combine(since, time(), UTC) if since else None,
        "until": datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        "disposition": request.query.get("disposition") or None,
    }


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


@routes.get("/api/call-history")
@allow(*HUB_ROLES)
async def call_history(request: web.Request) -> web.Response:
    rows = await records(request).history(
        principal_of(request).scope,
        **history_filters(request),  # type: ignore[arg-type]
    )
    return json_of(list(rows))


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
