"""The OpenAPI description covers every API route, is valid OpenAPI 3.1, and the copy in
schemas/openapi.json is the one the hub serves."""

from __future__ import annotations

from aiohttp import web
from openapi_spec_validator import validate

from hub.app import create_app
from hub.http.access import allow
from hub.http.contract import api
from hub.http.openapi import SPEC_FILE, describe, render, undocumented
from hub.settings import HubSettings
from schemas.codes import Role


def _app() -> web.Application:
    return create_app(HubSettings(environment="test"))


def test_every_api_route_documents_its_request_and_replies() -> None:
    app = _app()
    assert undocumented(app) == []
    doc = describe(app)
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert op["responses"], f"{method} {path} documents no reply"
            success = [s for s in op["responses"] if s.startswith("2")]
            assert success, f"{method} {path} documents no success reply"
            for status, reply in op["responses"].items():
                assert reply["content"], f"{method} {path} {status} has no body schema"
            names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}
            assert names == _path_names(path), f"{method} {path}"


def _path_names(path: str) -> set[str]:
    return {part[1:-1] for part in path.split("/") if part.startswith("{")}


def test_a_new_route_without_a_contract_is_found() -> None:
    app = _app()

    @allow(Role.HUB_ADMIN)
    async def bare(_request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/api/new-thing", bare)
    assert undocumented(app) == ["GET /api/new-thing"]


def test_a_contract_must_name_a_reply() -> None:
    try:

        @api("no reply declared", tag="test")
        async def answers_itself(_request: web.Request) -> web.Response:
            return web.Response()

    except TypeError as exc:
        assert "list its replies" in str(exc)
    else:
        raise AssertionError("a handler that returns a web.Response must list its replies")


def test_the_description_is_valid_openapi_3_1() -> None:
    doc = describe(_app())
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_roles_in_the_description_are_the_routes_access_rules() -> None:
    doc = describe(_app())
    ops = doc["paths"]
    assert ops["/api/users"]["post"]["x-roles"] == ["hub_admin"]
    assert ops["/api/auth/login"]["post"]["security"] == []
    assert ops["/api/photos"]["post"]["x-devices"] is True
    assert "commissioner" not in ops["/api/residents"]["get"]["x-roles"]


def test_the_exported_description_is_current() -> None:
    assert SPEC_FILE.read_text() == render(describe(_app())), (
        "schemas/openapi.json is stale: run `telehub schemas export`"
    )


def test_the_photo_quota_refusal_is_declared() -> None:
    """A site over its photo quota gets a 409 (hub/messages/service.py): the description
    says so in words, with the error body, so a client and the fuzzer read it as the
    hub's rule, not a fault."""
    conflict = describe(_app())["paths"]["/api/photos"]["post"]["responses"]["409"]
    assert "quota" in conflict["description"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
