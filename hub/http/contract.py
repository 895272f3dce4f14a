"""Each API route's contract, read from the handler's own signature: one source of truth for
the hub and for its OpenAPI description.

``@api("summary")`` wraps a handler written as

    async def resident(request: web.Request, person_id: RowId) -> PersonPublic: ...

Parameters after ``request`` are the route's path parameters, except ``query`` (a
``schemas.api.Query`` model read from the query string) and ``body`` (a schema model read
from the JSON or form body). The wrapper validates each before the handler runs (a typed
422 naming the field otherwise) and writes the returned model as JSON with the declared
status. A handler that must answer otherwise (a cookie, a file) returns a ``web.Response``
and lists what it may send in ``replies``. ``rules`` says what the hub checks beyond the
schema (a 422 to a well-formed request). ``hub.http.openapi`` reads the same ``Operation``
to describe the route.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, get_type_hints

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.errors import InvalidInput, first_problem, invalid_input

from .access import Handler
from .bodies import read_body

JSON = "application/json"
BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


@dataclass(frozen=True, slots=True)
class Content:
    """A body that is not a JSON schema model: a file, a CSV, an image."""

    media_type: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer a route may give besides the shared error replies."""

    status: int
    description: str
    model: Any = None  # a type pydantic describes (a model, list[Model]) sent as JSON
    contents: tuple[Content, ...] = ()


@dataclass(frozen=True, slots=True)
class Operation:
    summary: str
    description: str
    tag: str
    replies: tuple[Reply, ...]
    path: dict[str, Any]  # parameter name -> its annotation
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    upload: Content | None  # a body that is not a model (multipart photo, CSV)
    rules: str  # checks beyond the schema that answer 422 to a well-formed request


def operation_of(handler: object) -> Operation | None:
    found = getattr(handler, "operation", None)
    return found if isinstance(found, Operation) else None


def api(
    summary: str,
    *,
    tag: str,
    status: int = 200,
    replies: tuple[Reply, ...] = (),
    upload: Content | None = None,
    rules: str = "",
) -> Callable[[Callable[..., Awaitable[Any]]], Handler]:
    def wrap(fn: Callable[..., Awaitable[Any]]) -> Handler:
        hints = get_type_hints(fn, include_extras=True)
        returned = hints.pop("return", None)
        names = list(inspect.signature(fn).parameters)[1:]
        body, query = hints.get("body"), hints.get("query")
        path = {n: hints[n] for n in names if n not in ("body", "query")}
        path_adapters = {n: TypeAdapter[Any](t) for n, t in path.items()}
        answers_itself = isinstance(returned, type) and issubclass(returned, web.StreamResponse)
        result = None if answers_itself else TypeAdapter[Any](returned)
        documented = replies
        if result is not None:
            documented = (Reply(status, _description(status), returned), *replies)
        if not documented:
            raise TypeError(f"{fn.__name__} returns a web.Response: list its replies")

        @wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            kwargs: dict[str, Any] = {
                name: _path_value(request, name, adapter) for name, adapter in path_adapters.items()
            }
            if query is not None:
                kwargs["query"] = read_query(request, query)
            if body is not None:
                kwargs["body"] = await read_body(request, body)
            answer = await fn(request, **kwargs)
            if result is None:
                assert isinstance(answer, web.StreamResponse)
                return answer
            return web.json_response(result.dump_python(answer, mode="json"), status=status)

        handler.operation = Operation(  # type: ignore[attr-defined]
            summary=summary,
            description=inspect.getdoc(fn) or "",
            tag=tag,
            replies=documented,
            path=path,
            query=query,
            body=body,
            upload=upload,
            rules=rules,
        )
        return handler

    return wrap


def read_query(request: web.Request, model: type[Any], *, blank_is_absent: bool = False) -> Any:
    """The query string as ``model``. A page's form sends its blank fields as ``name=``:
    ``blank_is_absent`` reads those as not given (the JSON API takes values as sent)."""
    raw = {k: v for k, v in request.query.items() if v != "" or not blank_is_absent}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def _path_value(request: web.Request, name: str, adapter: TypeAdapter[Any]) -> Any:
    try:
        return adapter.validate_python(request.match_info[name])
    except ValidationError as exc:
        raise InvalidInput(f"{name}: {first_problem(exc).message}", field=name) from None


def _description(status: int) -> str:
    return {200: "OK", 201: "Created"}.get(status, "Answer")
