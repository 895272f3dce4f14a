"""Server-rendered pages: sign-in and each role's start page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.errors import HubError
from hub.keys import IDENTITY, RECORDS
from schemas.api import LoginBody
from schemas.codes import Role

from .access import ALL_ROLES, PRINCIPAL, SESSION_COOKIE, allow, principal_of, public
from .api_identity import set_session_cookie
from .bodies import read_body, read_form

routes = web.RouteTableDef()

START_PAGES: dict[Role, str] = {
    Role.CARE_HOME_STAFF: "/tablet",
    Role.HUB_NURSE: "/console",
    Role.SPECIALIST: "/console",
    Role.HUB_ADMIN: "/admin",
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
    return {"error": None, "username": ""}


@routes.post("/login")
@public
async def login_form(request: web.Request) -> web.StreamResponse:
    try:
        body = await read_body(request, LoginBody)
        principal, token = await request.app[IDENTITY].sign_in(body.username, body.password)
    except HubError as exc:
        form = await read_form(request)
        context = {"error": exc.message, "username": str(form.get("username", ""))}
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    response = web.HTTPFound(START_PAGES[principal.role])
    set_session_cookie(request, response, token)
    raise response


@routes.post("/logout")
@public
async def logout_form(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[IDENTITY].sign_out(token)
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def _start_context(request: web.Request, title: str) -> dict[str, Any]:
    principal = principal_of(request)
    org = await request.app[RECORDS].organisation(principal.scope, principal.scope.organisation_id)
    return {"title": title, "principal": principal, "organisation": org}


@routes.get("/admin")
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template("start.html")
async def admin_page(request: web.Request) -> dict[str, Any]:
    return await _start_context(request, "Hub administration")


@routes.get("/me")
@allow(*ALL_ROLES, devices=True)
@aiohttp_jinja2.template("start.html")
async def me_page(request: web.Request) -> dict[str, Any]:
    return await _start_context(request, "Signed in")
