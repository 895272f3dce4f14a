"""Bad input of every shape the security review tried gets a typed 4xx naming the field,
never a 500: bytes that are not UTF-8, JSON nested past any sense, broken multipart bodies,
and integers too big for a database column in paths, query strings and bodies."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from support.world import World, sign_in

HUGE = str(2**64)  # past PostgreSQL's BIGINT and SQLite's INTEGER
DEEP = b"[" * 100_000 + b"]" * 100_000


async def _refused(response: Any, field: str) -> dict[str, Any]:
    assert response.status in (400, 422), (response.status, await response.text())
    body = await response.json()
    assert body["code"] == "invalid_message" and body["field"] == field, body
    return dict(body)


@pytest.mark.parametrize(
    "raw",
    [b'{"username": "\xff\xfe", "password": "x"}', DEEP, b'{"a":' * 50_000],
    ids=["not-utf8", "deep-array", "deep-object"],
)
async def test_a_json_body_that_cannot_be_read_is_a_typed_422(
    client: TestClient, raw: bytes
) -> None:
    response = await client.post(
        "/api/auth/login", data=raw, headers={"Content-Type": "application/json"}
    )
    await _refused(response, "body")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/residents/{HUGE}", "person_id"),
        (f"/api/residents/{HUGE}/summary", "person_id"),
        (f"/api/photos/{HUGE}", "photo_id"),
        (f"/api/sites/{HUGE}/messages", "site_id"),
        (f"/api/calls?site={HUGE}", "site"),
        (f"/api/calls?resident={HUGE}", "resident"),
        (f"/api/residents?site={HUGE}", "site"),
        (f"/api/call-history?site={HUGE}", "site"),
        ("/api/residents/0", "person_id"),
        ("/api/residents/-5", "person_id"),
    ],
)
async def test_an_integer_out_of_range_in_a_path_or_query_is_refused_by_name(
    client: TestClient, world: World, path: str, field: str
) -> None:
    await sign_in(client, world.nurse.username)
    await _refused(await client.get(path), field)


async def test_an_integer_out_of_range_in_a_body_is_refused_by_name(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.home_a.staff.username)
    body = {
        "nhs_number": "9434765919",
        "given_name": "Ada",
        "family_name": "Example",
        "date_of_birth": "1940-01-01",
        "site_id": 2**64,
    }
    error = await _refused(await client.post("/api/residents", json=body), "site_id")
    assert "9434765919" not in error["message"] and "Ada" not in error["message"]


MALFORMED_FORMS = [
    ("multipart/form-data; boundary=xx", b"garbage"),
    ("multipart/form-data", b"--x\r\n"),
    ("multipart/form-data; boundary=xx", b"--xx\r\nContent-Disposition: form-data\r\n\r\nv"),
    # a part header with a control character in it (schemathesis found this one)
    (
        "multipart/form-data; boundary=xx",
        b'--xx\r\nContent-Disposition: form-data; name="a\x03b"\r\n\r\nv\r\n--xx--\r\n',
    ),
    ("application/x-www-form-urlencoded; charset=utf-8", b"username=\xff\xfe&password=x"),
    ("application/x-www-form-urlencoded; charset=no-such-charset", b"username=a"),
]


@pytest.mark.parametrize(("content_type", "raw"), MALFORMED_FORMS)
async def test_a_malformed_form_is_a_typed_422(
    client: TestClient, world: World, content_type: str, raw: bytes
) -> None:
    headers = {"Content-Type": content_type}
    await _refused(await client.post("/login", data=raw, headers=headers), "body")
    if content_type.startswith("multipart/"):
        await sign_in(client, world.home_a.staff.username)
        await _refused(await client.post("/api/photos", data=raw, headers=headers), "body")


async def test_a_malformed_form_to_a_console_page_is_a_typed_422(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    call_id = world.home_a.call.id
    content_type, raw = MALFORMED_FORMS[0]
    response = await client.post(
        f"/console/calls/{call_id}/amendments", data=raw, headers={"Content-Type": content_type}
    )
    await _refused(response, "body")
