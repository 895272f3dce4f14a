"""The hub's OpenAPI 3.1 description, generated from the route table and the schema models.

Each API route's ``@api`` contract (``hub.http.contract``) gives its parameters, body and
replies; its ``@allow``/``@public`` rule gives who may call it (``x-roles``, ``x-devices``).
Served at ``/api/openapi.json``; ``telehub schemas export`` writes the same document to
``schemas/openapi.json`` and a contract test keeps that file current.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from schemas.errors import ErrorBody

from .access import Access, public
from .contract import JSON, Operation, api, operation_of

routes = web.RouteTableDef()
SPEC_FILE = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"
COMPONENTS = "#/components/schemas/{model}"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
NOT_API = ("/ws",)  # the websocket: described by schemas/json/*.json and docs/protocol.md
ERROR_TEXT = {
    400: "The request cannot be read",
    401: "Not signed in, or the session has ended",
    403: "The caller may not do this, or a cross-site request",
    404: "No such thing in the caller's scope",
    409: "Conflicts with what is recorded, or not allowed in the current state",
    413: "The body is too large",
    422: "Invalid input; the error names the field",
    429: "Too many attempts; wait as Retry-After says",
}


def is_api_route(method: str, path: str) -> bool:
    """Routes the description must cover: the JSON API and the health checks (not pages,
    static files or the websocket)."""
    if method == "HEAD" or path in NOT_API:
        return False
    return path.startswith("/api/") or path in ("/healthz", "/readyz")


def api_routes(app: web.Application) -> list[tuple[str, str, web.AbstractRoute]]:
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or isinstance(resource, web.StaticResource):
            continue
        if is_api_route(route.method, resource.canonical):
            found.append((route.method, resource.canonical, route))
    return found


def undocumented(app: web.Application) -> list[str]:
    return [f"{m} {p}" for m, p, r in api_routes(app) if operation_of(r.handler) is None]


def describe(app: web.Application) -> dict[str, Any]:
    ops = [(m, p, r, operation_of(r.handler)) for m, p, r in api_routes(app)]
    documented = [(m, p, r, op) for m, p, r, op in ops if op is not None]
    defs, schema_of = _schemas(op for *_, op in documented)
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route, op in sorted(documented, key=lambda x: (x[1], x[0])):
        access: Access | None = getattr(route.handler, "access", None)
        paths.setdefault(path, {})[method.lower()] = _operation(
            method, route, op, access, schema_of, defs
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Telehealth hub API",
            "version": _version(),
            "description": (
                "The hub's HTTP API. Sign in with POST /api/auth/login (staff) or "
                "POST /api/devices/signin (a tablet); the session cookie then authenticates "
                "every call. x-roles names the roles that may call an operation; x-devices "
                "says whether an enrolled tablet may; x-rules says what the hub checks beyond "
                "the schema, answering 422 to a request the schema allows. Live calls, "
                "messages and presence travel over the websocket at /ws (docs/protocol.md, "
                "schemas/json)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "telehub_session"}
            },
        },
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def export(app: web.Application, path: Path = SPEC_FILE) -> Path:
    path.write_text(render(describe(app)))
    return path


@routes.get("/api/openapi.json")
@public
@api("This description of the API (OpenAPI 3.1)", tag="meta")
async def openapi(request: web.Request) -> dict[str, Any]:
    return describe(request.app)


# -- building blocks ---------------------------------------------------------------------


def _schemas(
    operations: Any,
) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]:
    """Every model the operations name, as JSON Schema under components; key -> its schema
    (a $ref for models, inline for the rest)."""
    inputs: dict[tuple[str, str], tuple[JsonSchemaMode, Any]] = {}
    for op in operations:
        for name, annotation in op.path.items():
            inputs[(f"path:{name}:{annotation!r}", "validation")] = ("validation", annotation)
        for model in (op.query, op.body):
            if model is not None:
                inputs[(_key(model), "validation")] = ("validation", model)
        for reply in op.replies:
            if reply.model is not None:
                inputs[(_key(reply.model), "serialization")] = ("serialization", reply.model)
    inputs[(_key(ErrorBody), "serialization")] = ("serialization", ErrorBody)
    keyed, defs = TypeAdapter.json_schemas(
        [(key[0], mode, TypeAdapter[Any](t)) for key, (mode, t) in inputs.items()],
        ref_template=COMPONENTS,
    )
    return dict(defs.get("$defs", {})), {(k, m): s for (k, m), s in keyed.items()}


def _key(t: Any) -> str:
    return f"type:{t!r}"


def _operation(
    method: str,
    route: web.AbstractRoute,
    op: Operation,
    access: Access | None,
    schema_of: dict[tuple[str, str], dict[str, Any]],
    defs: dict[str, Any],
) -> dict[str, Any]:
    is_public = access is None or access.roles is None
    out: dict[str, Any] = {
        "operationId": getattr(route.handler, "__name__", f"{method}_{route.resource}"),
        "summary": op.summary,
        "tags": [op.tag],
        "security": [] if is_public else [{"session": []}],
    }
    if op.description:
        out["description"] = op.description
    if op.rules:
        out["x-rules"] = op.rules
    if access is not None and access.roles is not None:
        out["x-roles"] = sorted(r.value for r in access.roles)
        out["x-devices"] = access.devices
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": schema_of[(f"path:{name}:{annotation!r}", "validation")],
        }
        for name, annotation in op.path.items()
    ]
    if op.query is not None:
        parameters += _query_parameters(schema_of[(_key(op.query), "validation")], defs)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        body_schema = schema_of[(_key(op.body), "validation")]
        out["requestBody"] = {"required": True, "content": {JSON: {"schema": body_schema}}}
    elif op.upload is not None:
        out["requestBody"] = {
            "required": True,
            "content": {op.upload.media_type: {"schema": op.upload.schema}},
        }
    out["responses"] = _responses(method, op, is_public, schema_of)
    return out


def _query_parameters(ref: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    model = defs[ref["$ref"].rsplit("/", 1)[-1]]
    required = set(model.get("required", ()))
    found = []
    for name, prop in model.get("properties", {}).items():
        schema = _absent_not_null(prop)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": schema,
        }
        if "description" in schema:
            parameter["description"] = schema["description"]
        found.append(parameter)
    return found


def _absent_not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch and null default."""
    schema = {k: v for k, v in prop.items() if not (k == "default" and v is None)}
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        del schema["anyOf"]
        schema = options[0] | schema
    return schema


def _responses(
    method: str, op: Operation, is_public: bool, schema_of: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    error = schema_of[(_key(ErrorBody), "serialization")]
    replies: dict[str, Any] = {}
    for reply in op.replies:
        content: dict[str, Any] = {}
        if reply.model is not None:
            content[JSON] = {"schema": schema_of[(_key(reply.model), "serialization")]}
        for extra in reply.contents:
            content[extra.media_type] = {"schema": extra.schema}
        replies[str(reply.status)] = {"description": reply.description, "content": content}
    takes_input = bool(op.path or op.query or op.body or op.upload)
    statuses = {401, 404}  # 401: signed out, or a wrong password or credential
    if not is_public:
        statuses |= {403}
    if method in UNSAFE:
        statuses |= {403, 409, 429}
    if takes_input:
        statuses |= {422}
    if op.body is not None or op.upload is not None:
        statuses |= {400, 413}
    for status in sorted(statuses):
        documented = replies.get(str(status))
        if documented is None:
            replies[str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {JSON: {"schema": error}},
            }
        else:  # a route's own answer at an error status: either body may come
            own = documented["content"].get(JSON, {}).get("schema")
            schema = {"anyOf": [own, error]} if own and own != error else error
            documented["content"][JSON] = {"schema": schema}
    return replies


def _version() -> str:
    try:
        return version("telehub")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"
