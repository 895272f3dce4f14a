"""A resident's page on the tablet: who they are and the hub's written advice after each
call (what to do, warning signs, when to call back), newest first, as amended. Scoped to
the tablet's site (a device enrolled to one person: that person) and audited."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.prison.tablet import label_of
from hub.services import SERVICES
from hub.storage.scope import SITE_ROLES
from schemas.bounds import RowId
from schemas.codes import OrganisationKind

from .access import allow, principal_of
from .console import london

routes = web.RouteTableDef()


def resident_page(person_id: int) -> str:
    return f"/tablet/residents/{person_id}"


@routes.get(r"/tablet/residents/{person_id:\d+}")
@allow(*SITE_ROLES, devices=True)
@aiohttp_jinja2.template("tablet/resident.html")
async def resident(request: web.Request) -> dict[str, Any]:
    services = request.app[SERVICES]
    principal = principal_of(request)
    scope = principal.scope
    person_id: RowId = int(request.match_info["person_id"])
    person, advice = await services.advice.for_person(scope, person_id)
    site = await services.records.organisation(scope, scope.organisation_id)
    prison = site.kind == OrganisationKind.PRISON
    name = label_of(person) if prison else f"{person.given_name} {person.family_name}"
    return {
        "title": name,
        "principal": principal,
        "site": site,
        "name": name,
        "advice": advice,
        "hub_phone": services.settings.hub_phone,
        "london": london,
    }
