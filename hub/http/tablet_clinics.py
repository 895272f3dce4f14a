"""The site's clinic list on its tablet: today's booked appointments, each joined at its
time (the waiting room); once the clinician admits the patient the tablet goes to the call.
Prisoners are shown by initials and prison number, as on the prison's call form."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.appointments.waiting import JOIN_FROM
from hub.clock import as_utc, london_date
from hub.keys import CLOCK
from hub.prison.tablet import label_of
from hub.services import SERVICES
from hub.storage.scope import SITE_ROLES
from schemas.codes import OrganisationKind

from .access import allow, principal_of

routes = web.RouteTableDef()


@routes.get("/tablet/clinics")
@allow(*SITE_ROLES, devices=True)
@aiohttp_jinja2.template("tablet/clinics.html")
async def clinics(request: web.Request) -> dict[str, Any]:
    services = request.app[SERVICES]
    principal = principal_of(request)
    scope = principal.scope
    now = request.app[CLOCK].now()
    site = await services.records.organisation(scope, scope.organisation_id)
    booked = await services.appointments.day_of_site(scope, london_date(now))
    people = {p.id: p for p in await services.records.find_people(scope, site_id=site.id)}
    prison = site.kind == OrganisationKind.PRISON
    rows = []
    for a in booked:
        person = people.get(a.person_id)
        who = (
            (label_of(person) if prison else f"{person.given_name} {person.family_name}")
            if person
            else ""
        )
        rows.append(
            {
                "appointment": a,
                "who": who,
                "opens": as_utc(a.starts_at) - JOIN_FROM <= now < as_utc(a.ends_at),
            }
        )
    return {"title": "Today's clinics", "principal": principal, "site": site, "rows": rows}
