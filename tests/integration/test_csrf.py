"""Cross-site request forgery: a write a browser could have been tricked into sending is
refused unless it comes from the hub's own origin and, when signed in, carries the session's
CSRF token. Scripts without a session cookie (the Python device client) are not browsers."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from support.world import PASSWORD, World, sign_in


def _own_origin(client: TestClient) -> str:
    home = client.make_url("/")
    return f"{home.scheme}://{home.authority}"


def _signed_in(client: TestClient) -> bool:
    return "telehub_session" in {c.key for c in client.session.cookie_jar}


@pytest.mark.parametrize(
    "origin", ["null", "https://evil.example", "http://127.0.0.1.evil.example"]
)
async def test_signing_in_from_another_origin_is_refused(
    client: TestClient, world: World, origin: str
) -> None:
    form = {"username": world.nurse.username, "password": PASSWORD}
    refused = await client.post(
        "/login", data=form, headers={"Origin": origin}, allow_redirects=False
    )
    assert refused.status == 403 and not _signed_in(client)
    by_json = await client.post("/api/auth/login", json=form, headers={"Origin": origin})
    assert by_json.status == 403 and not _signed_in(client)


async def test_a_signed_in_write_without_an_origin_or_referer_is_refused(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    del client.session.headers["Origin"]
    response = await client.post("/api/auth/ticket")
    assert response.status == 403
    referred = await client.post(
        "/api/auth/ticket", headers={"Referer": f"{_own_origin(client)}/console"}
    )
    assert referred.status == 201  # a Referer from the hub's own page will do
    elsewhere = await client.post(
        "/api/auth/ticket", headers={"Referer": "https://evil.example/console"}
    )
    assert elsewhere.status == 403


async def test_a_signed_in_write_without_the_sessions_token_is_refused(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    token = client.session.headers.pop("X-CSRF-Token")
    missing = await client.post("/api/auth/ticket")
    assert missing.status == 403 and (await missing.json())["field"] == "csrf_token"
    wrong = await client.post("/api/auth/ticket", headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status == 403
    right = await client.post("/api/auth/ticket", headers={"X-CSRF-Token": token})
    assert right.status == 201
    # Another session's token is no good for this one.
    other = TestClient(client.server)
    await other.start_server()
    try:
        await sign_in(other, world.specialist.username)
        assert other.session.headers["X-CSRF-Token"] != token
    finally:
        await other.close()


async def test_a_script_without_a_session_cookie_needs_no_origin(
    client: TestClient, world: World
) -> None:
    """The Python device client enrols with no cookie and no Origin: not a browser."""
    response = await client.post("/api/devices/enrol", json={"enrolment_code": "NOSUCHCODE"})
    assert response.status == 401  # refused by the handler, not by the CSRF check


async def test_every_form_the_hub_renders_carries_the_token_and_a_form_post_works_with_it(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.nurse.username)
    token = client.session.headers["X-CSRF-Token"]
    page = await (await client.get(f"/console/calls/{world.home_a.call.id}")).text()
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(?:(?!</form>).)*</form>", page, re.S)
    assert forms
    for form in forms:
        assert f'name="csrf_token" value="{token}"' in form or f"csrf_token={token}" in form, form
    assert f'<meta name="csrf-token" content="{token}">' in page
    # A form post as a browser sends it: Origin, no header token, the token in the form.
    del client.session.headers["X-CSRF-Token"]
    amend = {"field": "clinical_note", "new_value": "Seen again", "reason": "Late entry"}
    posted = await client.post(
        f"/console/calls/{world.home_a.call.id}/amendments",
        data={**amend, "csrf_token": token},
        allow_redirects=False,
    )
    assert "csrf_token" not in await posted.text()  # past the check, to the handler's rules
    forged = await client.post(
        f"/console/calls/{world.home_a.call.id}/amendments", data=amend, allow_redirects=False
    )
    assert forged.status == 403 and (await forged.json())["field"] == "csrf_token"


async def test_signing_out_needs_the_token_too(client: TestClient, world: World) -> None:
    await sign_in(client, world.nurse.username)
    token = client.session.headers.pop("X-CSRF-Token")
    # The pages' "Sign out" form posts to the one sign-out, /api/auth/logout.
    forged = await client.post("/api/auth/logout", data={}, allow_redirects=False)
    assert forged.status == 403 and _signed_in(client)
    signed_out = await client.post(
        f"/api/auth/logout?csrf_token={token}", data={}, allow_redirects=False
    )
    assert signed_out.status == 303 and not _signed_in(client)
