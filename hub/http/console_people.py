"""A person's page on the console (``/console/people/{id}``): their summary and recent calls,
and their palliative register entry with its history and death, outside any call. Every hub
role reads it; the register's editors (hub nurses and clinical leads) change the entry and
record or correct the death here. This is how a clinical lead, who has no live console
(no call queue), edits the register on a page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.palliative.register import EDITORS

from .access import HUB_ROLES, allow, principal_of
from .api_outcomes import records
from .bodies import path_int
from .console import LABELS, _context

routes = web.RouteTableDef()
PAGE = "/console/people/{person_id}"


def person_page(person_id: int) -> str:
    return PAGE.format(person_id=person_id)


@routes.get(PAGE)
@allow(*HUB_ROLES)
@aiohttp_jinja2.template("console/person.html")
async def person(request: web.Request) -> dict[str, Any]:
    principal = principal_of(request)
    # Audited as a read of the person's summary; the page's register panel reads the entry
    # through GET /api/residents/{id}/palliative, audited as every register read is.
    summary = await records(request).resident_summary(
        principal.scope, path_int(request, "person_id")
    )
    return _context(
        request,
        summary.name,
        "/console/history",
        summary=summary,
        can_edit_register=principal.role in EDITORS,
        labels=LABELS,
    )
