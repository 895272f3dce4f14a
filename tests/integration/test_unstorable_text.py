"""Text no database stores (a NUL, which PostgreSQL refuses; half a surrogate pair) in a
path, a query or a body is refused 422 naming the field, on both engines, before any handler
runs; on PostgreSQL it reached the query and failed as a 500."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.storage.engine import Database
from support.calls import call_in_wrap_up
from support.world import NOW, World, sign_in


async def test_a_nul_anywhere_in_a_request_is_refused_by_name(
    client: TestClient, db: Database, world: World
) -> None:
    call_id = await call_in_wrap_up(db, world, started=NOW)
    await sign_in(client, world.nurse.username)
    cases = [
        ("GET", "/api/calls/a%00b", None, "call_id"),
        ("GET", "/api/residents?q=a%00b", None, "q"),
        ("PUT", f"/api/calls/{call_id}/wrap-up", {"clinical_note": "a\x00b"}, "clinical_note"),
        ("POST", f"/api/calls/{call_id}/outcome", {"escalations": ["\x00"]}, "escalations"),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, json=body)
        assert response.status == 422, (path, await response.text())
        error = await response.json()
        assert (error["code"], error["field"]) == ("invalid_message", field), (path, error)
        assert "NUL" in error["message"]
    broken = await client.put(
        f"/api/calls/{call_id}/wrap-up",
        data=b'{"clinical_note": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status == 422, await broken.text()
    fine = await client.put(f"/api/calls/{call_id}/wrap-up", json={"clinical_note": "\U0001f600"})
    assert fine.status == 200, await fine.text()
