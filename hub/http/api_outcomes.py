"""A call's outcome over REST: wrap-up drafts and the record, the call record,
amendments, the resident summary, the follow-up worklist and the shift view."""

from __future__ import annotations

from aiohttp import web

from hub.clock import LondonDays
from hub.outcomes.amenders import AMENDERS, FOLLOW_UP_RECORDERS
from hub.outcomes.followups import FollowUpService
from hub.outcomes.record import CallRecordService
from hub.outcomes.shift import ShiftService
from hub.outcomes.wrapup import WrapUpService
from hub.services import SERVICES
from hub.storage.repos.history import CallFilters
from schemas.api import CallId, RowId
from schemas.codes import Role
from schemas.outcomes import (
    AmendmentCreate,
    AmendmentPublic,
    CallRecord,
    FollowUpRecord,
    FollowUpTaskPublic,
    HistoryRow,
    HistorySearch,
    ResidentSummary,
    ShiftView,
    SummaryQuery,
    WrapUpAnswers,
    WrapUpDraftPublic,
    WrapUpDraftSave,
)
from schemas.wire import CallSnapshot

from .access import HUB_ROLES, allow, principal_of
from .contract import api, read_query

routes = web.RouteTableDef()
NURSE = Role.HUB_NURSE
WRAPPERS = (Role.HUB_NURSE, Role.SPECIALIST)
"""Who wraps up a call they took: a hub nurse, or the specialist who held a clinic's call."""
RECORDERS = AMENDERS
FOLLOWERS_UP = FOLLOW_UP_RECORDERS


def wrapups(request: web.Request) -> WrapUpService:
    return request.app[SERVICES].wrap_up


def records(request: web.Request) -> CallRecordService:
    return request.app[SERVICES].call_records


def follow_ups(request: web.Request) -> FollowUpService:
    return request.app[SERVICES].follow_ups


def shift(request: web.Request) -> ShiftService:
    return request.app[SERVICES].shift


def history_filters(query: HistorySearch) -> CallFilters:
    """The history search's filters; dates are whole London days, both ends included."""
    return CallFilters(
        site_id=query.site,
        resident=(query.resident or "").strip() or None,
        days=LondonDays(query.from_, query.to),
        disposition=query.disposition,
    )


def history_search(request: web.Request) -> CallFilters:
    """The history search's filters from the query string, for the console's page."""
    return history_filters(read_query(request, HistorySearch, blank_is_absent=True))


# -- wrap-up ------------------------------------------------------------------------------
@routes.get("/api/calls/{call_id}/wrap-up")
@allow(*WRAPPERS)
@api("The nurse's wrap-up draft for her call", tag="outcomes")
async def wrap_up_draft(request: web.Request, call_id: CallId) -> WrapUpDraftPublic:
    return await wrapups(request).draft(principal_of(request), call_id)


@routes.put("/api/calls/{call_id}/wrap-up")
@allow(*WRAPPERS)
@api(
    "Save the wrap-up draft",
    tag="outcomes",
    rules="a disposition, when given, must be a clinical outcome (not not_recorded)",
)
async def save_wrap_up_draft(
    request: web.Request, call_id: CallId, body: WrapUpDraftSave
) -> WrapUpDraftPublic:
    return await wrapups(request).save(principal_of(request), call_id, body)


@routes.post("/api/calls/{call_id}/outcome")
@allow(*WRAPPERS)
@api(
    "Record the call's outcome and close it",
    tag="outcomes",
    status=201,
    rules="the fields a disposition requires (named in the error) must be given",
)
async def record_outcome(
    request: web.Request, call_id: CallId, body: WrapUpAnswers
) -> CallSnapshot:
    return await wrapups(request).submit(principal_of(request), call_id, body)


# -- the record ---------------------------------------------------------------------------
@routes.get("/api/calls/{call_id}/record")
@allow(*HUB_ROLES)
@api("A call's record: outcome, amendments and timeline", tag="outcomes")
async def call_record(request: web.Request, call_id: CallId) -> CallRecord:
    return await records(request).record(principal_of(request).scope, call_id)


@routes.post("/api/calls/{call_id}/amendments")
@allow(*RECORDERS)
@api(
    "Amend a closed call's record",
    tag="outcomes",
    status=201,
    rules="new_value must be a valid value of the field amended",
)
async def amend(request: web.Request, call_id: CallId, body: AmendmentCreate) -> AmendmentPublic:
    return await records(request).amend(principal_of(request), call_id, body)


@routes.get("/api/call-history")
@allow(*HUB_ROLES)
@api("Search the call history", tag="outcomes", rules="`to` must not be before `from`")
async def call_history(request: web.Request, query: HistorySearch) -> list[HistoryRow]:
    return await request.app[SERVICES].records.history_rows(
        principal_of(request).scope, history_filters(query)
    )


@routes.get("/api/residents/{person_id}/summary")
@allow(*HUB_ROLES)
@api("A resident's summary: recent calls and what is known", tag="outcomes")
async def resident_summary(
    request: web.Request, person_id: RowId, query: SummaryQuery
) -> ResidentSummary:
    return await records(request).resident_summary(
        principal_of(request).scope, person_id, exclude_call_id=query.call
    )


# -- follow-ups ---------------------------------------------------------------------------
@routes.get("/api/follow-ups")
@allow(*FOLLOWERS_UP)
@api("The follow-up worklist", tag="outcomes")
async def follow_up_worklist(request: web.Request) -> list[FollowUpTaskPublic]:
    return await follow_ups(request).worklist(principal_of(request).scope)


@routes.post("/api/follow-ups/{task_id}")
@allow(*FOLLOWERS_UP)
@api("Record a follow-up's answers", tag="outcomes")
async def record_follow_up(
    request: web.Request, task_id: RowId, body: FollowUpRecord
) -> FollowUpTaskPublic:
    return await follow_ups(request).record(principal_of(request), task_id, body)


# -- the shift ----------------------------------------------------------------------------
@routes.get("/api/shift")
@allow(Role.HUB_ADMIN)
@api("The shift: who is on, the queue and today's figures", tag="outcomes")
async def shift_view(request: web.Request) -> ShiftView:
    return await shift(request).view(principal_of(request).scope)
