"""Pages for the hub nurse's triage console and the specialist (issue 5): the live console,
call history, the read-only record of a call, the follow-up worklist and the admin's shift
view. The live parts are ES modules in clients/web/console/ (served at /js/console/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from hub import months
from hub.appointments.service import BOOKERS as CLINIC_BOOKERS
from hub.clock import LONDON, as_utc, london_date, london_month
from hub.errors import Forbidden, HubError
from hub.keys import CLOCK, SETTINGS
from hub.outcomes.amenders import AMENDERS, FOLLOW_UP_RECORDERS
from hub.outcomes.worklist_page import Order, Show, WorklistPage, page_of, parse
from hub.services import SERVICES
from schemas.codes import (
    CallerRelationship,
    CallState,
    Channel,
    Disposition,
    Escalation,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    OrganisationKind,
    Reason,
    ResuscitationStatus,
    Role,
    SoftSign,
)
from schemas.outcomes import AmendmentCreate, FollowUpRecord, FollowUpTaskPublic
from schemas.palliative import CarePlace, DeathPlace, GoldLineOutcome, YesNoUnknown

from .access import HUB_ROLES, allow, principal_of
from .api_outcomes import follow_ups, history_search, records, shift
from .api_reports import report_service
from .bodies import path_int, read_body, read_form

routes = web.RouteTableDef()
CONSOLE_ROLES = (Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)
FOLLOWERS_UP = FOLLOW_UP_RECORDERS
CALL_RUNNERS = (Role.HUB_NURSE, Role.SPECIALIST)
"""Who runs a call they hold (hold, end, wrap-up): a nurse, or a specialist who admitted a
booked clinic's patient (only nurses take calls from the queue)."""


LABELS: dict[str, dict[str, str]] = {
    "reason": dict(Reason.choices()),
    "home_intent": dict(HomeIntent.choices()),
    "soft_sign": dict(SoftSign.choices()),
    "site_kind": dict(OrganisationKind.choices()),
    "channel": dict(Channel.choices()),
    "call_state": dict(CallState.choices()),
    "caller_relationship": dict(CallerRelationship.choices()),
    "care_place": dict(CarePlace.choices()),
    "death_place": dict(DeathPlace.choices()),
    "yes_no_unknown": dict(YesNoUnknown.choices()),
    "resuscitation_status": dict(ResuscitationStatus.choices()),
}
"""The words for each code the live console shows, from the one vocabulary."""


def london(moment: datetime | None, fmt: str = "%-d %b %Y %H:%M") -> str:
    """A UTC moment as Europe/London wall-clock time, for pages."""
    return "" if moment is None else as_utc(moment).astimezone(LONDON).strftime(fmt)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _nav(request: web.Request, current: str) -> list[dict[str, Any]]:
    role = principal_of(request).role
    items = [("Console", "/console")] if role in CONSOLE_ROLES else []
    items.append(("History", "/console/history"))
    if role in CLINIC_BOOKERS:
        items.append(("Clinics", "/console/clinics"))
    if role in FOLLOWERS_UP:
        items.append(("Follow-ups", "/console/follow-ups"))
    if role is Role.HUB_ADMIN:
        items.append(("Shift", "/admin/shift"))
        items.append(("Devices", "/admin/devices"))
        items.append(("Audit trail", "/admin/audit"))
    return [{"text": text, "href": href, "current": href == current} for text, href in items]


def _context(request: web.Request, title: str, current: str, **more: Any) -> dict[str, Any]:
    principal = principal_of(request)
    return {
        "title": title,
        "principal": principal,
        "navigation": _nav(request, current),
        "london": london,
        "duration": duration,
        **more,
    }


@routes.get("/console")
@allow(*CONSOLE_ROLES)
@aiohttp_jinja2.template("console/console.html")
async def console_page(request: web.Request) -> dict[str, Any]:
    principal = principal_of(request)
    return _context(
        request,
        "Triage console",
        "/console",
        me={"id": principal.scope.user_id, "name": principal.name, "role": principal.role.value},
        answer_target_seconds=request.app[SETTINGS].answer_target_seconds,
        hub_phone=request.app[SETTINGS].hub_phone,
        dispositions=Disposition.clinical_choices(),
        counterfactuals=NurseCounterfactual.choices(),
        escalations=Escalation.choices(),
        gold_line_outcomes=GoldLineOutcome.choices(),
        can_take_calls=principal.role is Role.HUB_NURSE,
        can_run_calls=principal.role in CALL_RUNNERS,
        labels=LABELS,
    )


@routes.get("/console/history")
@allow(*HUB_ROLES)
@aiohttp_jinja2.template("console/history.html")
async def history_page(request: web.Request) -> dict[str, Any]:
    scope = principal_of(request).scope
    error = None
    try:
        rows = await request.app[SERVICES].records.history_rows(scope, history_search(request))
    except HubError as exc:
        error, rows = exc, []
    sites = await request.app[SERVICES].records.sites(scope)
    return _context(
        request,
        "Call history",
        "/console/history",
        rows=rows,
        sites=sites,
        dispositions=Disposition.choices(),
        query=request.query,
        error=error,
    )


@routes.get("/console/calls/{call_id}")
@allow(*HUB_ROLES)
@aiohttp_jinja2.template("console/record.html")
async def record_page(request: web.Request) -> dict[str, Any]:
    principal = principal_of(request)
    record = await records(request).record(principal.scope, request.match_info["call_id"])
    return _context(
        request,
        f"Call record: {record.site_name}",
        "/console/history",
        record=record,
        can_amend=await records(request).may_amend(principal.scope, record.id),
        dispositions=Disposition.clinical_choices(),
        counterfactuals=NurseCounterfactual.choices(),
        amended=request.query.get("amended") == "1",
        error=None,
        form={},
    )


@routes.post("/console/calls/{call_id}/amendments")
@allow(*AMENDERS)
async def amend_form(request: web.Request) -> web.StreamResponse:
    call_id = request.match_info["call_id"]
    principal = principal_of(request)
    try:
        body = await read_body(request, AmendmentCreate)
        await records(request).amend(principal, call_id, body)
    except Forbidden:
        raise  # refused, and audited as a refusal; the form is not offered to them
    except HubError as exc:
        record = await records(request).record(principal.scope, call_id)
        context = _context(
            request,
            f"Call record: {record.site_name}",
            "/console/history",
            record=record,
            can_amend=True,
            dispositions=Disposition.clinical_choices(),
            counterfactuals=NurseCounterfactual.choices(),
            amended=False,
            error=exc,
            form=dict(await read_form(request)),
        )
        return aiohttp_jinja2.render_template("console/record.html", request, context, status=422)
    raise web.HTTPSeeOther(f"/console/calls/{call_id}?amended=1#amendments")


@routes.get("/console/follow-ups")
@allow(*FOLLOWERS_UP)
@aiohttp_jinja2.template("console/follow_ups.html")
async def follow_ups_page(request: web.Request) -> dict[str, Any]:
    principal = principal_of(request)
    tasks = await follow_ups(request).worklist(principal.scope)
    return _context(
        request,
        "Follow-ups",
        "/console/follow-ups",
        tasks=tasks,
        worklist=_worklist_page(request, tasks),
        answers=FollowUpAnswer.choices(),
        recorded=request.query.get("recorded"),
        errors={},
        failed_task=None,
        form={},
    )


def _worklist_page(request: web.Request, tasks: list[FollowUpTaskPublic]) -> WorklistPage:
    """The page, filter and order the nurse asked for (?show=&sort=&page=)."""
    query = request.query
    page = query.get("page", "1")
    return page_of(
        [t for t in tasks if t.completed_at is None],
        show=Show(parse(query.get("show"), Show, Show.ALL)),
        order=Order(parse(query.get("sort"), Order, Order.SOONEST)),
        page=int(page) if page.isdigit() and len(page) < 6 else 1,
        user_id=principal_of(request).scope.user_id,
        today=london_date(request.app[CLOCK].now()),
    )


@routes.post("/console/follow-ups/{task_id}")
@allow(*FOLLOWERS_UP)
async def follow_up_form(request: web.Request) -> web.StreamResponse:
    task_id = path_int(request, "task_id")
    principal = principal_of(request)
    try:
        body = await read_body(request, FollowUpRecord)
        await follow_ups(request).record(principal, task_id, body)
    except Forbidden:
        raise
    except HubError as exc:
        tasks = await follow_ups(request).worklist(principal.scope)
        context = _context(
            request,
            "Follow-ups",
            "/console/follow-ups",
            tasks=tasks,
            worklist=_worklist_page(request, tasks),
            answers=FollowUpAnswer.choices(),
            recorded=None,
            errors={"field": exc.field, "message": _follow_up_message(exc)},
            failed_task=task_id,
            form=dict(await read_form(request)),
        )
        return aiohttp_jinja2.render_template(
            "console/follow_ups.html", request, context, status=exc.status
        )
    raise web.HTTPSeeOther("/console/follow-ups?" + urlencode({"recorded": task_id}))


def _follow_up_message(exc: HubError) -> str:
    questions = {
        "ed_within_72h": "Select whether they attended A&E within 72 hours",
        "admitted_within_72h": "Select whether they were admitted within 72 hours",
    }
    return questions.get(exc.field or "", exc.message)


@routes.get("/admin/shift")
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template("console/shift.html")
async def shift_page(request: web.Request) -> dict[str, Any]:
    scope = principal_of(request).scope
    service = shift(request)
    month = last_full_month(request)
    return _context(
        request,
        "Shift",
        "/admin/shift",
        view=await service.view(scope),
        staff=await service.roster(scope),
        follow_ups_due=await follow_ups(request).due_count(scope),
        watch_month=month,
        watch=await report_service(request).engagement_watch(scope, month=month),
        month_label=months.label,
    )


def last_full_month(request: web.Request) -> str:
    """The engagement watch reads the last full month (UK time): the current one is partial
    and would look like a fall."""
    return months.shift(london_month(request.app[CLOCK].now()), -1)
