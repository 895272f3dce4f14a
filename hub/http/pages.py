"""Server-rendered pages: sign-in and each role's start page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from pydantic import ValidationError

from hub.errors import HubError, invalid_input
from hub.services import SERVICES
from schemas.api import LoginBody
from schemas.codes import Role

from .access import ALL_ROLES, PRINCIPAL, allow, principal_of, public
from .api_identity import set_session_cookie
from .bodies import read_form
from .client import client_address
from .next_page import safe_next

routes = web.RouteTableDef()

START_PAGES: dict[Role, str] = {
    Role.CARE_HOME_STAFF: "/tablet",
    Role.PRISON_STAFF: "/tablet",
    Role.HUB_NURSE: "/console",
    Role.SPECIALIST: "/console",
    Role.HUB_ADMIN: "/admin",
    Role.CLINICAL_LEAD: "/console/history",
    Role.COMMISSIONER: "/reports",
}


@routes.get("/")
@public
async def index(request: web.Request) -> web.Response:
    principal = request.get(PRINCIPAL)
    if principal is None:
        raise web.HTTPFound("/login")
    raise web.HTTPFound(START_PAGES[principal.role])


@routes.get("/login")
@public
@aiohttp_jinja2.template("login.html")
async def login_page(request: web.Request) -> dict[str, Any]:
    return {"error": None, "username": "", "next": safe_next(request.query.get("next"))}


@routes.post("/login")
@public
async def login_form(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    next_page = safe_next(str(form.get("next", "")))
    try:
        body = LoginBody.model_validate(
            {"username": form.get("username"), "password": form.get("password")}
        )
        principal, token = await request.app[SERVICES].identity.sign_in(
            body.username, body.password, client=client_address(request)
        )
    except (HubError, ValidationError) as exc:
        message = exc.message if isinstance(exc, HubError) else str(invalid_input(exc))
        context = {"error": message, "username": str(form.get("username", "")), "next": next_page}
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    response = web.HTTPFound(next_page or START_PAGES[principal.role])
    set_session_cookie(request, response, token)
    raise response


async def _start_context(request: web.Request, title: str) -> dict[str, Any]:
    principal = principal_of(request)
    org = await request.app[SERVICES].records.organisation(
        principal.scope, principal.scope.organisation_id
    )
    return {"title": title, "principal": principal, "organisation": org}


ADMIN_LINKS = [
    ("/admin/devices", "Devices", "enrol tablets and devices at home, and revoke them"),
    ("/admin/shift", "Shift", "who is on, and today's calls"),
    ("/admin/audit", "Audit trail", "who read or changed what"),
    ("/admin/imports", "Imports", "hospital activity and call files"),
    ("/reports/hub", "Hub-wide report", "every commissioner's month at once"),
]


@routes.get("/admin")
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template("start.html")
async def admin_page(request: web.Request) -> dict[str, Any]:
    return {
        **await _start_context(request, "Hub administration"),
        "links": ADMIN_LINKS,
    }


@routes.get("/me")
@allow(*ALL_ROLES, devices=True)
@aiohttp_jinja2.template("start.html")
async def me_page(request: web.Request) -> dict[str, Any]:
    return await _start_context(request, "Signed in")
