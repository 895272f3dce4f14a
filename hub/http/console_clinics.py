"""The console's booked clinics (issue 14): a hub administrator or specialist creates a
clinic session; hub staff book its slots for a person at their site by NHS number, cancel,
move and mark did-not-attend; during the clinic its clinician sees who has arrived in the
waiting room (live, from the console socket's ``appointment`` events, in
clients/web/console/clinic.js), the late flag, and admits them: the call then runs on the
console as any other. Forms post here and come back to the page (POST, redirect, GET);
every change goes through ``AppointmentService`` and is audited there."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.appointments.service import BOOKERS, CLINIC_MAKERS
from hub.appointments.waiting import JOIN_FROM, LATE_AFTER
from hub.clock import as_utc, london_date
from hub.errors import Forbidden, HubError, NotFound
from hub.keys import CLOCK
from hub.services import SERVICES
from schemas.appointments import (
    AppointmentPublic,
    AppointmentRebook,
    ClinicCreate,
    ClinicQuery,
    SlotBooking,
    SlotPublic,
)
from schemas.codes import AppointmentStatus, Role
from schemas.nhs import format_nhs_number

from .access import allow, principal_of
from .bodies import path_int, read_body, read_form
from .console import _context
from .refusals import audit_refusal

routes = web.RouteTableDef()
PAGE = "/console/clinics"


def _day(request: web.Request) -> date:
    raw = request.query.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else london_date(request.app[CLOCK].now())
    except ValueError:
        return london_date(request.app[CLOCK].now())


async def _clinicians(request: web.Request) -> list[dict[str, Any]]:
    """Whom the creator may name: a specialist names themself; an administrator, any."""
    principal = principal_of(request)
    if principal.role is Role.SPECIALIST:
        return [{"id": principal.scope.user_id, "name": principal.name}]
    staff = await request.app[SERVICES].shift.roster(principal.scope)
    return [{"id": x.user_id, "name": x.name} for x in staff if x.role is Role.SPECIALIST]


async def _list_page(
    request: web.Request, *, error: HubError | None = None, form: dict[str, Any] | None = None
) -> dict[str, Any]:
    principal = principal_of(request)
    day = _day(request)
    clinics = await request.app[SERVICES].appointments.clinics(
        principal.scope, ClinicQuery(day=day)
    )
    makes = principal.role in CLINIC_MAKERS
    return _context(
        request,
        "Clinics",
        PAGE,
        day=day,
        clinics=clinics,
        can_create=makes,
        clinicians=await _clinicians(request) if makes else [],
        error=error,
        form=form or {},
    )


@routes.get(PAGE)
@allow(*BOOKERS)
@aiohttp_jinja2.template("console/clinics.html")
async def clinics_page(request: web.Request) -> dict[str, Any]:
    return await _list_page(request)


@routes.post(PAGE)
@allow(*CLINIC_MAKERS)
async def create_clinic(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    try:
        body = await read_body(request, ClinicCreate)
        clinic = await request.app[SERVICES].appointments.create_clinic(principal, body)
    except Forbidden:
        raise
    except HubError as exc:
        context = await _list_page(request, error=exc, form=dict(await read_form(request)))
        return aiohttp_jinja2.render_template(
            "console/clinics.html", request, context, status=exc.status
        )
    raise web.HTTPSeeOther(f"{PAGE}/{clinic.id}")


async def _clinic_page(
    request: web.Request,
    clinic_id: int,
    *,
    error: HubError | None = None,
    failed_slot: int | None = None,
) -> dict[str, Any]:
    services = request.app[SERVICES]
    principal = principal_of(request)
    scope = principal.scope
    clinic = await services.appointments.clinic(scope, clinic_id)
    booked = {a.id: a for a in await services.waiting_room.waiting(principal, clinic_id)}
    sites = await services.records.sites(scope)
    site_names = {s.id: s.name for s in sites}
    now = request.app[CLOCK].now()
    free = [x for x in clinic.slots if x.appointment_id is None and as_utc(x.starts_at) > now]
    rows = []
    for slot in clinic.slots:
        held = booked.get(slot.appointment_id) if slot.appointment_id else None
        rows.append(await _row(request, slot, held, site_names, now))
    return _context(
        request,
        f"{clinic.specialty} clinic",
        PAGE,
        clinic=clinic,
        rows=rows,
        sites=sites,
        free=free,
        is_clinician=clinic.clinician_id == scope.user_id,
        error=error,
        failed_slot=failed_slot,
        done=request.query.get("done"),
    )


async def _row(
    request: web.Request,
    slot: SlotPublic,
    held: AppointmentPublic | None,
    site_names: dict[int | None, str],
    now: datetime,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "slot": slot,
        "appointment": held,
        "started": as_utc(slot.starts_at) <= now,
    }
    if held is None:
        return row
    person = await request.app[SERVICES].records.person(principal_of(request).scope, held.person_id)
    booked = held.status is AppointmentStatus.BOOKED
    row.update(
        who=f"{person.given_name} {person.family_name}",
        nhs_number=format_nhs_number(person.nhs_number),
        site=site_names.get(held.site_id, ""),
        late=booked and held.arrived_at is None and now >= as_utc(slot.starts_at) + LATE_AFTER,
        joinable=booked and as_utc(slot.starts_at) - JOIN_FROM <= now < as_utc(slot.ends_at),
    )
    return row


@routes.get(PAGE + "/{clinic_id}")
@allow(*BOOKERS)
@aiohttp_jinja2.template("console/clinic.html")
async def clinic_page(request: web.Request) -> dict[str, Any]:
    return await _clinic_page(request, path_int(request, "clinic_id"))


async def _again(
    request: web.Request, clinic_id: int, exc: HubError, slot: int | None
) -> web.StreamResponse:
    if isinstance(exc, NotFound):  # not found in the caller's scope: a refusal, audited
        await audit_refusal(request, exc)
    context = await _clinic_page(request, clinic_id, error=exc, failed_slot=slot)
    return aiohttp_jinja2.render_template(
        "console/clinic.html", request, context, status=exc.status
    )


@routes.post(PAGE + "/{clinic_id}/bookings")
@allow(*BOOKERS)
async def book(request: web.Request) -> web.StreamResponse:
    clinic_id = path_int(request, "clinic_id")
    form = await read_form(request)
    slot = str(form.get("slot_id", ""))
    try:
        body = await read_body(request, SlotBooking)
        await request.app[SERVICES].appointments.book_at_site(principal_of(request), body)
    except Forbidden:
        raise
    except HubError as exc:
        return await _again(request, clinic_id, exc, int(slot) if slot.isdigit() else None)
    raise web.HTTPSeeOther(f"{PAGE}/{clinic_id}?done=booked")


async def _change(request: web.Request, action: str) -> web.StreamResponse:
    """Cancel, move (rebook) or mark did-not-attend one of the clinic's appointments."""
    clinic_id = path_int(request, "clinic_id")
    appointment_id = path_int(request, "appointment_id")
    service = request.app[SERVICES].appointments
    principal = principal_of(request)
    try:
        if action == "cancel":
            await service.cancel(principal, appointment_id)
        elif action == "did-not-attend":
            await service.did_not_attend(principal, appointment_id)
        else:
            body = await read_body(request, AppointmentRebook)
            await service.rebook(principal, appointment_id, body)
    except Forbidden:
        raise
    except HubError as exc:
        return await _again(request, clinic_id, exc, None)
    raise web.HTTPSeeOther(f"{PAGE}/{clinic_id}?done={action}")


APPOINTMENT = PAGE + "/{clinic_id}/appointments/{appointment_id}"


@routes.post(APPOINTMENT + "/cancel")
@allow(*BOOKERS)
async def cancel(request: web.Request) -> web.StreamResponse:
    return await _change(request, "cancel")


@routes.post(APPOINTMENT + "/did-not-attend")
@allow(*BOOKERS)
async def did_not_attend(request: web.Request) -> web.StreamResponse:
    return await _change(request, "did-not-attend")


@routes.post(APPOINTMENT + "/rebook")
@allow(*BOOKERS)
async def rebook(request: web.Request) -> web.StreamResponse:
    return await _change(request, "rebook")
