"""The hub administrator's devices page: a site's tablets and own-home devices, a new
enrolment (for an own-home service, to one person by NHS number, held by the patient or a
carer), its one-time code shown once on the page that made it, and revocation, which ends
the device's sessions and sockets at once. Forms post here; every change goes through the
identity service, which audits it."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.errors import HubError, NotFound
from hub.services import SERVICES
from hub.storage.tables import Organisation
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship, OrganisationKind, Role

from .access import allow, principal_of
from .bodies import path_int, read_body, read_form
from .console import _context

routes = web.RouteTableDef()
PAGE = "/admin/devices"
TEMPLATE = "console/devices.html"
OPTIONAL = ("person_nhs_number", "relationship")  # blank on the form: not given


async def _page(
    request: web.Request,
    ods: str | None,
    *,
    error: HubError | None = None,
    form: dict[str, Any] | None = None,
    enrolled: dict[str, Any] | None = None,
) -> dict[str, Any]:
    services = request.app[SERVICES]
    scope = principal_of(request).scope
    sites = list(await services.records.sites(scope))
    site: Organisation | None = next((s for s in sites if s.ods_code == ods), None)
    if ods and site is None:
        raise NotFound("No such site")
    devices = await services.identity.devices(scope, site.id or 0) if site else []
    return _context(
        request,
        "Devices",
        PAGE,
        sites=sites,
        site=site,
        at_home=site is not None and site.kind == OrganisationKind.OWN_HOME,
        devices=sorted(devices, key=lambda d: (d.revoked_at is not None, d.label)),
        relationships=CallerRelationship.choices(),
        error=error,
        form=form or {},
        enrolled=enrolled,
    )


@routes.get(PAGE)
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template(TEMPLATE)
async def devices_page(request: web.Request) -> dict[str, Any]:
    return await _page(request, request.query.get("site") or None)


@routes.post(PAGE)
@allow(Role.HUB_ADMIN)
async def create_enrolment(request: web.Request) -> web.StreamResponse:
    """The code is on the page this answers with, never in a URL or a log."""
    form = {k: v for k, v in (await read_form(request)).items() if isinstance(v, str)}
    ods = form.get("site_ods") or None
    try:
        body = await read_body(request, DeviceCreate, optional=OPTIONAL)
        device, _, code = await request.app[SERVICES].identity.create_enrolment(
            principal_of(request).scope, body
        )
    except HubError as exc:
        context = await _page(request, ods, error=exc, form=form)
        return aiohttp_jinja2.render_template(TEMPLATE, request, context, status=exc.status)
    enrolled = {"label": device.label, "code": code, "expires_at": device.enrolment_expires_at}
    context = await _page(request, ods, enrolled=enrolled)
    response = aiohttp_jinja2.render_template(TEMPLATE, request, context, status=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post(PAGE + "/{device_id}/revoke")
@allow(Role.HUB_ADMIN)
async def revoke_device(request: web.Request) -> web.StreamResponse:
    device_id = path_int(request, "device_id")
    services = request.app[SERVICES]
    scope = principal_of(request).scope
    device = await services.identity.revoke_device(scope, device_id)
    site = await services.records.organisation(scope, device.site_id)
    raise web.HTTPSeeOther(f"{PAGE}?site={site.ods_code}")
