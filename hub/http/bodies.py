"""Reading request bodies and query strings into schema models, with errors users can act on."""

from __future__ import annotations

import json
from datetime import date
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidInput

from .middleware import validation_error

M = TypeVar("M", bound=BaseModel)


async def read_body(request: web.Request, model: type[M]) -> M:
    if request.content_type == "application/json":
        try:
            raw = await request.json()
        except json.JSONDecodeError:
            raise InvalidInput("The body is not valid JSON") from None
    else:
        raw = dict(await request.post())
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc) from None


def query_int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", field=name) from None


def query_date(request: web.Request, name: str) -> date | None:
    value = request.query.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", field=name) from None


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", field=name) from None


def json_of(model: BaseModel | list[BaseModel], status: int = 200) -> web.Response:
    if isinstance(model, list):
        data = [m.model_dump(mode="json") for m in model]
        return web.json_response(data, status=status)
    return web.json_response(model.model_dump(mode="json"), status=status)
