"""Pages for the care-home tablet and home patients (issue 4).

Server-rendered shells (NHS.UK frontend); the live parts (the call, the thread, the
equipment check) are ES modules under ``/js/tablet/``. Every option a form offers comes
from ``schemas.codes``, every plausible range from ``schemas.observations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hub.clock import as_utc
from hub.keys import CLOCK
from hub.prison.tablet import form_context as prison_form
from hub.services import SERVICES
from hub.storage.repos.history import CallFilters
from hub.storage.tables import Organisation, Person
from schemas import home as questions
from schemas.api import HubStatus
from schemas.codes import (
    Channel,
    Consciousness,
    HomeIntent,
    OrganisationKind,
    Reason,
    Role,
    SoftSign,
)
from schemas.observations import Observations

from .access import HUB_ROLES, allow, principal_of, public
from .contract import api

routes = web.RouteTableDef()

SITE_STAFF = (Role.CARE_HOME_STAFF, Role.PRISON_STAFF)
SIMPLE_LINES = (Channel.HOME_PATIENT, Channel.GOLD_LINE)
"""Own-home devices call on one of these; the device remembers which."""


@dataclass(frozen=True)
class Resident:
    id: int
    name: str
    born: str
    age: int
    recent: bool


@cache
def observation_ranges() -> dict[str, dict[str, float]]:
    """``{field: {min, max}}`` read from the Observations schema, for the form's inputs."""
    ranges: dict[str, dict[str, float]] = {}
    for name, prop in Observations.model_json_schema()["properties"].items():
        for option in prop.get("anyOf", [prop]):
            if "minimum" in option and "maximum" in option:
                ranges[name] = {"min": option["minimum"], "max": option["maximum"]}
    return ranges


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


async def _site(request: web.Request) -> Organisation:
    scope = principal_of(request).scope
    return await request.app[SERVICES].records.organisation(scope, scope.organisation_id)


def _is_own_home(site: Organisation) -> bool:
    return site.kind == OrganisationKind.OWN_HOME


async def _residents(request: web.Request) -> list[Resident]:
    """The site's residents, those with the most recent calls first, then by surname."""
    scope = principal_of(request).scope
    records = request.app[SERVICES].records
    people: list[Person] = list(await records.find_people(scope, site_id=scope.organisation_id))
    recent_order: dict[int, int] = {}
    recent = await records.call_history(scope, CallFilters(site_id=scope.organisation_id), limit=50)
    for call in (hit.call for hit in recent):
        if call.person_id is not None:
            recent_order.setdefault(call.person_id, len(recent_order))
    today = as_utc(request.app[CLOCK].now()).date()
    people.sort(
        key=lambda p: (
            recent_order.get(p.id or 0, len(recent_order)),
            p.family_name.lower(),
            p.given_name.lower(),
        )
    )
    return [
        Resident(
            id=p.id or 0,
            name=f"{p.given_name} {p.family_name}",
            born=f"{p.date_of_birth.day} {p.date_of_birth:%b %Y}",
            age=_age(p.date_of_birth, today),
            recent=(p.id or 0) in recent_order,
        )
        for p in people
    ]


async def _context(request: web.Request, title: str, **extra: Any) -> dict[str, Any]:
    site = await _site(request)
    return {
        "title": title,
        "principal": principal_of(request),
        "site": site,
        "own_home": _is_own_home(site),
        "lines": [(c.value, c.label) for c in SIMPLE_LINES],
        "hub_phone": request.app[SERVICES].settings.hub_phone,
        "answer_target_seconds": request.app[SERVICES].settings.answer_target_seconds,
        **extra,
    }


@routes.get("/tablet")
@allow(*SITE_STAFF, devices=True)
async def home(request: web.Request) -> web.StreamResponse:
    if _is_own_home(await _site(request)):
        return await call(request)  # a home patient's home screen is the one big button
    context = await _context(request, "Home")
    return aiohttp_jinja2.render_template("tablet/home.html", request, context)


@routes.get("/tablet/call")
@allow(*SITE_STAFF, devices=True)
async def call(request: web.Request) -> web.Response:
    site = await _site(request)
    if _is_own_home(site):
        scope = principal_of(request).scope
        person_id = scope.person_id  # a device enrolled to one person calls about them
        if person_id is None:
            people = await request.app[SERVICES].records.find_people(scope, site_id=site.id)
            person_id = people[0].id if len(people) == 1 else None
        context = await _context(
            request,
            "Call the nurse",
            simple=True,
            person_id=person_id,
            questions=[
                ("problem", questions.MAIN_PROBLEM_QUESTION, questions.MAIN_PROBLEMS, "reason"),
                ("else", questions.ELSE_QUESTION, questions.ELSE_ANSWERS, "home_intent"),
            ],
        )
    else:
        prison: dict[str, Any] = {}
        if site.kind == OrganisationKind.PRISON:
            people = await request.app[SERVICES].records.find_people(
                principal_of(request).scope, site_id=site.id
            )
            prison = prison_form(people)
        context = await _context(
            request,
            "Call the hub",
            simple=False,
            **prison,
            residents=[] if prison else await _residents(request),
            reasons=[c for c in Reason.choices() if c[0] != Reason.UNKNOWN],
            intents=[c for c in HomeIntent.choices() if c[0] != HomeIntent.UNKNOWN],
            soft_signs=SoftSign.choices(),
            consciousness=Consciousness.choices(),
            ranges=observation_ranges(),
            pin_holders=await request.app[SERVICES].identity.pin_holders(principal_of(request)),
        )
    return aiohttp_jinja2.render_template("tablet/call.html", request, context)


@routes.get("/tablet/messages")
@allow(*SITE_STAFF, devices=True)
async def messages(request: web.Request) -> web.Response:
    context = await _context(request, "Messages")
    return aiohttp_jinja2.render_template("tablet/messages.html", request, context)


@routes.get("/tablet/check")
@allow(*SITE_STAFF, devices=True)
async def check(request: web.Request) -> web.Response:
    context = await _context(request, "Check my equipment")
    return aiohttp_jinja2.render_template("tablet/check.html", request, context)


@routes.get("/enrol")
@public
async def enrol(request: web.Request) -> web.Response:
    """An administrator types the one-time code; the tablet keeps the credential it gets."""
    context = {"title": "Enrol this tablet", "principal": None}
    return aiohttp_jinja2.render_template("tablet/enrol.html", request, context)


@routes.get("/api/hub-status")
@allow(*SITE_STAFF, *HUB_ROLES, devices=True)
@api("Is a nurse there to answer: for a home waiting on a call", tag="calls")
async def hub_status(request: web.Request) -> HubStatus:
    services = request.app[SERVICES]
    signed_in, free = await services.shift.nurses()
    return HubStatus(
        nurses_signed_in=signed_in,
        nurses_free=free,
        answer_target_seconds=services.settings.answer_target_seconds,
        phone=services.settings.hub_phone,
        now=services.clock.now(),
    )
