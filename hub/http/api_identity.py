"""Sign-in, sign-out, websocket tickets, users and device enrolment."""

from __future__ import annotations

from aiohttp import web

from hub.keys import IDENTITY, RECORDS, SETTINGS
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
    TicketPublic,
    UserCreate,
    UserPublic,
)
from schemas.codes import Role

from .access import ALL_ROLES, SESSION_COOKIE, allow, principal_of, public
from .bodies import json_of, path_int, read_body
from .csrf import CSRF_COOKIE, set_csrf_cookie

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
async def login(request: web.Request) -> web.Response:
    body = await read_body(request, LoginBody)
    principal, token = await request.app[IDENTITY].sign_in(body.username, body.password)
    response = json_of(await _me(request, principal))
    set_session_cookie(request, response, token)
    return response


@routes.post("/api/auth/logout")
@public
async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[IDENTITY].sign_out(token)
    response = web.json_response({"signed_out": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


@routes.get("/api/me")
@allow(*ALL_ROLES, devices=True)
async def me(request: web.Request) -> web.Response:
    return json_of(await _me(request, principal_of(request)))


async def _me(request: web.Request, principal) -> Me:  # type: ignore[no-untyped-def]
    scope = principal.scope
    org = await request.app[RECORDS].organisation(scope, scope.organisation_id)
    return Me(
        kind="device" if principal.is_device else "user",
        id=scope.device_id if principal.is_device else scope.user_id,
        name=principal.name,
        role=scope.role,
        organisation=OrganisationPublic.model_validate(org),
    )


@routes.post("/api/auth/ticket")
@allow(*ALL_ROLES, devices=True)
async def ticket(request: web.Request) -> web.Response:
    token, expires = await request.app[IDENTITY].issue_ticket(principal_of(request))
    return json_of(TicketPublic(ticket=token, expires_at=expires), status=201)


@routes.post("/api/users")
@allow(Role.HUB_ADMIN)
async def add_user(request: web.Request) -> web.Response:
    body = await read_body(request, UserCreate)
    user = await request.app[IDENTITY].add_user(principal_of(request).scope, body)
    return json_of(UserPublic.model_validate(user), status=201)


@routes.post("/api/devices")
@allow(Role.HUB_ADMIN)
async def create_enrolment(request: web.Request) -> web.Response:
    body = await read_body(request, DeviceCreate)
    device, ods, code = await request.app[IDENTITY].create_enrolment(
        principal_of(request).scope, body
    )
    assert device.id is not None and device.enrolment_expires_at is not None
    return json_of(
        DeviceEnrolmentPublic(
            device_id=device.id,
            site_ods=ods,
            enrolment_code=code,
            expires_at=device.enrolment_expires_at,
        ),
        status=201,
    )


@routes.post("/api/devices/enrol")
@public
async def enrol(request: web.Request) -> web.Response:
    body = await read_body(request, DeviceEnrolBody)
    device, credential = await request.app[IDENTITY].enrol(body.enrolment_code)
    assert device.id is not None
    return json_of(DeviceCredentialPublic(device_id=device.id, credential=credential), status=201)


@routes.post("/api/devices/signin")
@public
async def device_sign_in(request: web.Request) -> web.Response:
    body = await read_body(request, DeviceSignInBody)
    principal, token = await request.app[IDENTITY].device_sign_in(body.credential)
    response = json_of(await _me(request, principal))
    set_session_cookie(request, response, token)
    return response


@routes.delete("/api/devices/{device_id}")
@allow(Role.HUB_ADMIN)
async def revoke_device(request: web.Request) -> web.Response:
    device = await request.app[IDENTITY].revoke_device(
        principal_of(request).scope, path_int(request, "device_id")
    )
    return json_of(DevicePublic.model_validate(device))
