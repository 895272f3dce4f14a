"""Reading request bodies and query strings into schema models, with errors users can act on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidInput, invalid_input, refuse_unstorable, refuse_unstorable_json
from schemas.bounds import INTEGER_MAX

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BODY = "body"  # the field named when the body as a whole cannot be read
CSRF_FIELD = "csrf_token"  # every form's; checked by hub.http.csrf, never part of a model


async def read_body(request: web.Request, model: type[M], *, optional: Collection[str] = ()) -> M:
    """A JSON or form body as ``model``. JSON is parsed from the bytes by pydantic, so
    bytes that are not UTF-8 and nesting deeper than its limit are typed errors too. In a
    form, an ``optional`` field left blank is not given (a browser sends "" for it)."""
    try:
        if request.content_type == "application/json":
            raw = await request.read()
            refuse_unstorable_json(raw)
            return model.model_validate_json(raw)
        form = dict(await read_form(request))
        refuse_unstorable(form)
        form.pop(CSRF_FIELD, None)
        for name in optional:
            if form.get(name) == "":
                del form[name]
        return model.model_validate(form)
    except ValidationError as exc:
        if exc.errors(include_url=False)[0]["type"] == "json_invalid":
            raise InvalidInput("The body is not valid JSON", field=BODY) from None
        raise invalid_input(exc) from None


@web.middleware
async def storable_input(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A path or query holding text no database stores is refused 422 naming it, before the
    handler (and before the refusal's audit, which could not store it either)."""
    refuse_unstorable(dict(request.match_info))
    refuse_unstorable(dict(request.query))
    return await handler(request)


Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


async def read_form(request: web.Request) -> Form:
    """The posted form; a malformed one is a typed 422 (see ``unreadable_form``)."""
    with unreadable_form():
        return await request.post()


@contextmanager
def unreadable_form() -> Iterator[None]:
    """Around reading a form or a multipart stream: what aiohttp raises for a broken body
    (no boundary, a part without a name, bytes not in the declared character set, an
    unknown character set, a part header with a control character) becomes a typed 422
    naming the body, not a 500."""
    try:
        yield
    except (ValueError, LookupError, AssertionError, HttpProcessingError):
        raise InvalidInput("The form could not be read", field=BODY) from None


def whole_number(value: str, name: str, *, low: int = 0) -> int:
    """A path or query value as an integer that fits a database column, or a typed 422."""
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", field=name) from None
    if not low <= number <= INTEGER_MAX:
        raise InvalidInput(f"{name} must be between {low} and {INTEGER_MAX}", field=name)
    return number


def query_int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value in (None, ""):
        return None
    return whole_number(value, name)


def query_date(request: web.Request, name: str) -> date | None:
    value = request.query.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", field=name) from None


def path_int(request: web.Request, name: str) -> int:
    return whole_number(request.match_info[name], name, low=1)


def json_of(model: BaseModel | list[BaseModel], status: int = 200) -> web.Response:
    if isinstance(model, list):
        data = [m.model_dump(mode="json") for m in model]
        return web.json_response(data, status=status)
    return web.json_response(model.model_dump(mode="json"), status=status)
