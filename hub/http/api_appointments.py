"""Booked clinics over REST: clinics and their slots, appointments, cancel, move, DNA."""

from __future__ import annotations

from aiohttp import web

from hub.appointments.service import BOOKERS, CLINIC_MAKERS, AppointmentService
from hub.keys import CLOCK, DATABASE
from schemas.api import RowId
from schemas.appointments import (
    AppointmentCreate,
    AppointmentPublic,
    AppointmentQuery,
    AppointmentRebook,
    ClinicCreate,
    ClinicPublic,
    ClinicQuery,
)

from .access import CLINICAL_ROLES, allow, principal_of
from .contract import api

routes = web.RouteTableDef()


def appointments(request: web.Request) -> AppointmentService:
    return AppointmentService(request.app[DATABASE], request.app[CLOCK])


@routes.post("/api/clinics")
@allow(*CLINIC_MAKERS)
@api(
    "Create a clinic session and its slots",
    tag="appointments",
    status=201,
    rules="the start must be one London time that day; the clinician an active specialist",
)
async def create_clinic(request: web.Request, body: ClinicCreate) -> ClinicPublic:
    return await appointments(request).create_clinic(principal_of(request), body)


@routes.get("/api/clinics")
@allow(*BOOKERS)
@api("Clinics and their slots (which are booked)", tag="appointments")
async def clinics(request: web.Request, query: ClinicQuery) -> list[ClinicPublic]:
    return await appointments(request).clinics(principal_of(request).scope, query)


@routes.post("/api/appointments")
@allow(*BOOKERS)
@api(
    "Book a slot for a person at their site",
    tag="appointments",
    status=201,
    rules="the slot must be free (409 otherwise) and not yet started",
)
async def book(request: web.Request, body: AppointmentCreate) -> AppointmentPublic:
    return await appointments(request).book(principal_of(request), body)


@routes.get("/api/appointments")
@allow(*CLINICAL_ROLES, devices=True)
@api("Appointments the caller may see (a site: its own)", tag="appointments")
async def listed(request: web.Request, query: AppointmentQuery) -> list[AppointmentPublic]:
    return await appointments(request).appointments(principal_of(request).scope, query)


@routes.post("/api/appointments/{appointment_id}/cancel")
@allow(*BOOKERS)
@api("Cancel a booked appointment (its slot is freed)", tag="appointments")
async def cancel(request: web.Request, appointment_id: RowId) -> AppointmentPublic:
    return await appointments(request).cancel(principal_of(request), appointment_id)


@routes.post("/api/appointments/{appointment_id}/rebook")
@allow(*BOOKERS)
@api(
    "Move a booked appointment to another free slot",
    tag="appointments",
    status=201,
    rules="the new slot must be free (409 otherwise) and not yet started",
)
async def rebook(
    request: web.Request, appointment_id: RowId, body: AppointmentRebook
) -> AppointmentPublic:
    return await appointments(request).rebook(principal_of(request), appointment_id, body)


@routes.post("/api/appointments/{appointment_id}/did-not-attend")
@allow(*BOOKERS)
@api("Record that the person did not attend", tag="appointments")
async def did_not_attend(request: web.Request, appointment_id: RowId) -> AppointmentPublic:
    return await appointments(request).did_not_attend(principal_of(request), appointment_id)
