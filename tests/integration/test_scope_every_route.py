"""A user of care home A cannot read a resident, call or message of care home B through any
route. The test walks every route the app registers, so a new route is covered the day it
is added. The full access-control matrix, every caller against every route and command, is
test_access_matrix_routes.py and test_access_matrix_commands.py."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    FollowUpTask,
)
from support.walk import (
    app_routes,
    home_b_markers,
    unthrottled,
)
from support.world import World, sign_in


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """The walk signs in, and tries enrolment codes, dozens of times from one address: the
    rate limits are not what it checks (tests/integration/test_throttling.py does)."""
    return unthrottled(settings)


def _aim_at_home_b(path: str, world: World, task_id: int = 1) -> str:
    b = world.home_b
    values = {
        "person_id": b.resident.id,
        "call_id": b.call.id,
        "site_id": b.site.id,
        "device_id": 1,
        "message_id": b.message.id,
        "user_id": b.staff.id,
        "photo_id": 1,  # the world has no photos: an unknown id must answer 404, not leak
        "task_id": task_id,  # home B's 72-hour follow-up task
        "appointment_id": 1,  # the world has no appointments: unknown must not leak
        "clinic_id": 1,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the scope walk does not know the parameter {{{name}}}: teach it"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, path)


def _body_aimed_at_home_b(world: World) -> dict[str, object]:
    b = world.home_b
    return {
        "site_id": b.site.id,
        "site_ods": b.site.ods_code,
        "person_id": b.resident.id,
        "call_id": b.call.id,
        "nhs_number": "9434765870",
        "given_name": "X",
        "family_name": "Y",
        "date_of_birth": "1930-01-01",
    }


async def test_every_route_refuses_anonymous_callers_unless_public(client: TestClient) -> None:
    public = {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/devices/enrol"),
        ("POST", "/api/devices/signin"),
        ("GET", "/enrol"),
        ("GET", "/ws"),  # authenticates in its own first frame
        ("GET", "/api/openapi.json"),  # the API's description: no data in it
    }
    app = client.server.app
    marked_public = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and getattr(getattr(route.handler, "access", None), "roles", ()) is None
        and route.method != "HEAD"
    }
    assert marked_public <= public, f"new public routes need review: {marked_public - public}"
    for method, path in app_routes(app):
        if (method, path) in public:
            continue
        response = await client.request(
            method, re.sub(r"\{\w+\}", "1", path), json={}, allow_redirects=False
        )
        assert response.status in (401, 302), f"{method} {path} answered {response.status}"
        if response.status == 302:
            assert response.headers["Location"].startswith("/login"), f"{method} {path}"


async def test_home_a_staff_cannot_reach_home_b_through_any_route(
    client: TestClient, world: World, db: Database
) -> None:
    async with db.session() as s:
        task = FollowUpTask(call_id=world.home_b.call.id, due_at=world.home_b.call.started_at)
        s.add(task)
        await s.flush()
        task_id = task.id or 0
    await sign_in(client, world.home_a.staff.username)
    walked = 0
    for method, template in app_routes(client.server.app):
        if template == "/api/auth/logout":
            continue  # signing out is harmless and would end this walk's session
        path = _aim_at_home_b(template, world, task_id)
        response = await client.request(
            method, path, json=_body_aimed_at_home_b(world), allow_redirects=False
        )
        text = await response.text()
        leaked = [m for m in home_b_markers(world) if m in text]
        assert not leaked, f"{method} {template} showed home B's {leaked} ({response.status})"
        if "{" in template:
            assert response.status in (403, 404, 422), f"{method} {template}: {response.status}"
        walked += 1
    assert walked >= 15
    # And the walk really signs in as someone who can see home A's own records.
    own = await client.get(f"/api/residents/{world.home_a.resident.id}")
    assert own.status == 200
    assert world.home_a.resident.family_name in await own.text()
