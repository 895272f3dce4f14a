"""Booked clinics over REST: clinics and their slots, appointments, cancel, move, DNA."""

from __future__ import annotations

from aiohttp import web

from hub.appointments.service import BOOKERS, CLINIC_MAKERS, AppointmentService
from hub.appointments.waiting import WaitingRoom
from hub.services import SERVICES
from hub.storage.scope import SITE_ROLES
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
from schemas.codes import Role
from schemas.wire import CallSnapshot

from .access import CLINICAL_ROLES, allow, principal_of
from .contract import api

routes = web.RouteTableDef()


def appointments(request: web.Request) -> AppointmentService:
    return request.app[SERVICES].appointments


def waiting_room(request: web.Request) -> WaitingRoom:
    return request.app[SERVICES].waiting_room


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


# -- the waiting room ---------------------------------------------------------------------
@routes.post("/api/appointments/{appointment_id}/arrive")
@allow(*SITE_ROLES, devices=True)
@api(
    "The site joins the waiting room: the person has arrived",
    tag="appointments",
    rules="from 15 minutes before the slot until its end, while the appointment is booked",
)
async def arrive(request: web.Request, appointment_id: RowId) -> AppointmentPublic:
    return await waiting_room(request).arrive(principal_of(request), appointment_id)


@routes.get("/api/clinics/{clinic_id}/waiting-room")
@allow(*BOOKERS)
@api("A clinic's appointments and who has arrived", tag="appointments")
async def waiting(request: web.Request, clinic_id: RowId) -> list[AppointmentPublic]:
    return await waiting_room(request).waiting(principal_of(request), clinic_id)


@routes.post("/api/appointments/{appointment_id}/admit")
@allow(Role.SPECIALIST, Role.HUB_NURSE)
@api(
    "The clinician admits the waiting person: an ordinary call opens",
    tag="appointments",
    status=201,
    rules="the clinic's own clinician, once the person has arrived",
)
async def admit(request: web.Request, appointment_id: RowId) -> CallSnapshot:
    return await waiting_room(request).admit(principal_of(request), appointment_id)
