"""What schemathesis found in the API, each kept fixed: answers follow the OpenAPI
description (times carry their zone, a 405 names the allowed methods) and input the
description refuses is refused (a date that is not YYYY-MM-DD, a blank id)."""

from __future__ import annotations

from datetime import datetime

from aiohttp.test_utils import TestClient

from support.world import World, sign_in


async def test_times_read_back_from_the_database_carry_their_zone(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    call = await (await client.get(f"/api/calls/{world.home_a.call.id}")).json()
    assert datetime.fromisoformat(call["started_at"]).utcoffset() is not None
    events = await (await client.get(f"/api/calls/{world.home_a.call.id}/events")).json()
    assert all(datetime.fromisoformat(e["at"]).utcoffset() is not None for e in events)


async def test_a_query_date_must_be_a_calendar_date(client: TestClient, world: World) -> None:
    await sign_in(client, world.nurse.username)
    for path in ("/api/calls?to=0", "/api/call-history?from=1700000000"):
        response = await client.get(path)
        assert response.status == 422, path
        assert (await response.json())["code"] == "invalid_message"
    assert (await client.get("/api/calls?from=2026-11-01")).status == 200


async def test_blank_query_values_are_refused_by_the_api(client: TestClient, world: World) -> None:
    await sign_in(client, world.nurse.username)
    response = await client.get("/api/residents?site=")
    assert response.status == 422
    assert (await response.json())["field"] == "site"
    # The console's history page is a form: its blank fields are not given.
    assert (await client.get("/console/history?site=&from=")).status == 200


async def test_an_unknown_disposition_filter_is_refused(client: TestClient, world: World) -> None:
    await sign_in(client, world.nurse.username)
    response = await client.get("/api/calls?disposition=nonsense")
    assert response.status == 422
    assert (await response.json())["field"] == "disposition"


async def test_method_not_allowed_names_the_allowed_methods(client: TestClient) -> None:
    response = await client.request("TRACE", "/api/residents")
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    enrol = await client.request("DELETE", "/api/devices/enrol")
    assert enrol.status == 405
    assert enrol.headers["Allow"] == "POST"


async def test_a_path_id_too_large_for_the_database_is_invalid_input(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    response = await client.get(f"/api/residents/{2**31}")
    assert response.status == 422
    assert (await response.json())["field"] == "person_id"
