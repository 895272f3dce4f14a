"""Sign-in, sign-out, websocket tickets, users and device enrolment."""

from __future__ import annotations

from aiohttp import web

from hub.auth.principal import Principal
from hub.keys import SETTINGS
from hub.services import SERVICES
from schemas.api import (
    DeviceCreate,
    DeviceCredentialPublic,
    DeviceEnrolBody,
    DeviceEnrolmentPublic,
    DevicePublic,
    DeviceSignInBody,
    LoginBody,
    Me,
    OrganisationPublic,
    RowId,
    SignedOut,
    TicketPublic,
    UserCreate,
    UserPublic,
)
from schemas.codes import Role

from .access import ALL_ROLES, SESSION_COOKIE, allow, principal_of, public
from .bodies import json_of
from .client import client_address
from .contract import Reply, api
from .csrf import CSRF_COOKIE, set_csrf_cookie

SIGNED_IN = (Reply(200, "Signed in; the session cookie is set", Me),)

routes = web.RouteTableDef()


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    settings = request.app[SETTINGS]
    secure = str(settings.public_base_url).startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
    set_csrf_cookie(response, token, max_age=settings.session_hours * 3600, secure=secure)


@routes.post("/api/auth/login")
@public
@api("Sign in as a member of staff", tag="identity", replies=SIGNED_IN)
async def login(request: web.Request, body: LoginBody) -> web.Response:
    principal, token = await request.app[SERVICES].identity.sign_in(
        body.username, body.password, client=client_address(request)
    )
    response = json_of(await _me(request, principal))
    set_session_cookie(request, response, token)
    return response


@routes.post("/api/auth/logout")
@public
@api(
    "Sign out: ends the session, its unused websocket tickets and its sockets",
    tag="identity",
    replies=(
        Reply(200, "Signed out", SignedOut),
        Reply(303, "Signed out from a page's form: back to the sign-in page", SignedOut),
    ),
)
async def logout(request: web.Request) -> web.Response:
    """The one sign-out: ends the session, its unused tickets and its sockets. The pages'
    "Sign out" form posts here too and is sent back to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[SERVICES].identity.sign_out(token)
    from_form = request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )
    response = json_of(SignedOut(signed_out=True), status=303 if from_form else 200)
    if from_form:
        response.headers["Location"] = "/login"
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


@routes.get("/api/me")
@allow(*ALL_ROLES, devices=True)
@api("Who is signed in", tag="identity")
async def me(request: web.Request) -> Me:
    return await _me(request, principal_of(request))


async def _me(request: web.Request, principal: Principal) -> Me:
    scope = principal.scope
    org = await request.app[SERVICES].records.organisation(scope, scope.organisation_id)
    return Me(
        kind="device" if principal.is_device else "user",
        id=scope.device_id if principal.is_device else scope.user_id,
        name=principal.name,
        role=scope.role,
        organisation=OrganisationPublic.model_validate(org),
        person_id=scope.person_id,
        relationship=principal.relationship,
    )


@routes.post("/api/auth/ticket")
@allow(*ALL_ROLES, devices=True)
@api("A short-lived ticket to open the websocket with", tag="identity", status=201)
async def ticket(request: web.Request) -> TicketPublic:
    token, expires = await request.app[SERVICES].identity.issue_ticket(principal_of(request))
    return TicketPublic(ticket=token, expires_at=expires)


@routes.post("/api/users")
@allow(Role.HUB_ADMIN)
@api("Add a user", tag="identity", status=201)
async def add_user(request: web.Request, body: UserCreate) -> UserPublic:
    user = await request.app[SERVICES].identity.add_user(principal_of(request).scope, body)
    return UserPublic.model_validate(user)


@routes.delete("/api/users/{user_id}")
@allow(Role.HUB_ADMIN)
@api("Disable a user: their sessions, tickets and open sockets end at once", tag="identity")
async def disable_user(request: web.Request, user_id: RowId) -> UserPublic:
    user = await request.app[SERVICES].identity.disable_user(principal_of(request).scope, user_id)
    return UserPublic.model_validate(user)


@routes.post("/api/devices")
@allow(Role.HUB_ADMIN)
@api(
    "Start enrolling a tablet: a one-time enrolment code",
    tag="devices",
    status=201,
    rules="person_nhs_number, when given, must be a valid NHS number (check digit) of someone "
    "registered at that own-home service; a relationship needs the person",
)
async def create_enrolment(request: web.Request, body: DeviceCreate) -> DeviceEnrolmentPublic:
    device, ods, code = await request.app[SERVICES].identity.create_enrolment(
        principal_of(request).scope, body
    )
    assert device.id is not None and device.enrolment_expires_at is not None
    return DeviceEnrolmentPublic(
        device_id=device.id,
        site_ods=ods,
        enrolment_code=code,
        expires_at=device.enrolment_expires_at,
        person_id=device.person_id,
        relationship=device.relationship,
    )


@routes.post("/api/devices/enrol")
@public
@api("Enrol a tablet with its code: the tablet's credential, shown once", tag="devices", status=201)
async def enrol(request: web.Request, body: DeviceEnrolBody) -> DeviceCredentialPublic:
    device, credential = await request.app[SERVICES].identity.enrol(
        body.enrolment_code, client=client_address(request)
    )
    assert device.id is not None
    return DeviceCredentialPublic(device_id=device.id, credential=credential)


@routes.post("/api/devices/signin")
@public
@api("Sign a tablet in with its credential", tag="devices", replies=SIGNED_IN)
async def device_sign_in(request: web.Request, body: DeviceSignInBody) -> web.Response:
    principal, token = await request.app[SERVICES].identity.device_sign_in(
        body.credential, client=client_address(request)
    )
    response = json_of(await _me(request, principal))
    set_session_cookie(request, response, token)
    return response


# Digits only, so /api/devices/enrol and /api/devices/signin are not also a device id.
@routes.delete("/api/devices/{device_id:[0-9]+}")
@allow(Role.HUB_ADMIN)
@api("Revoke a tablet", tag="devices")
async def revoke_device(request: web.Request, device_id: RowId) -> DevicePublic:
    device = await request.app[SERVICES].identity.revoke_device(
        principal_of(request).scope, device_id
    )
    return DevicePublic.model_validate(device)
