"""The command registry: wire type -> payload model, handler and who may send it.

The dispatcher is the websocket's one error mapper: HubErrors become typed error frames,
anything else becomes ``internal`` (logged with its traceback, never sent).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from hub.errors import Forbidden, HubError, InvalidInput, NotFound, RateLimited
from hub.storage.scope import Scope
from schemas.codes import Role
from schemas.errors import ErrorBody, ErrorCode
from schemas.wire import MAX_FRAME_BYTES, Error, client_command, result_frame

from .connection import Connection

log = logging.getLogger("hub.realtime")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["CommandContext", Any], Awaitable[Any]]
Refusals = Callable[[Scope, str, HubError, Mapping[str, object]], Awaitable[None]]
"""Where refused commands are written down (``AuditService.refused``)."""
REFUSALS = (Forbidden, NotFound)


@dataclass(frozen=True)
class Rule:
    handler: Handler
    roles: frozenset[Role]
    devices: bool
    # Run in the socket's lane (in order among themselves) rather than in its read loop,
    # so a burst of slow durable writes does not hold up the signalling behind it.
    in_lane: bool = False


class Serialised(str):
    """A handler's result already written as JSON, sent as it is (for constant results on
    the hot path, which need not be serialised again for every command)."""


@dataclass
class CommandContext:
    conn: Connection
    services: Any  # hub.realtime.endpoint.Services; typed there to avoid an import cycle


class CommandTable:
    """Like aiohttp's RouteTableDef: each commands module declares its own."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}

    def command(
        self, type_: str, *roles: Role, devices: bool = False, in_lane: bool = False
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.rules[type_] = Rule(handler, frozenset(roles), devices, in_lane)
            return handler

        return register


class TokenBucket:
    """At most ``rate`` commands a second on average, in bursts of up to ``burst``."""

    def __init__(self, rate: float = 100.0, burst: float = 400.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Dispatcher:
    def __init__(self, *tables: CommandTable, refusals: Refusals | None = None) -> None:
        self.refusals = refusals
        self.rules: dict[str, Rule] = {}
        for table in tables:
            self.rules.update(table.rules)

    async def handle(self, ctx: CommandContext, raw: str, bucket: TokenBucket) -> None:
        conn = ctx.conn
        command_id: int | None = None
        type_ = ""
        data: dict[str, Any] = {}
        command: Any = None
        conn.begin()
        try:
            if len(raw) > MAX_FRAME_BYTES:
                raise InvalidInput(f"Frame larger than {MAX_FRAME_BYTES} bytes")
            # Well-formed commands are parsed and validated in one pass from the text. Any
            # other frame takes the step-by-step path, which names what is wrong with it.
            command = _valid_command(raw)
            if command is not None:
                command_id, type_ = command.id, command.type
            else:
                data = _json_object(raw)
                command_id, type_ = _command_id(data), str(data.get("type"))
            if command_id <= conn.last_id:
                raise InvalidInput(f"id must increase: last was {conn.last_id}", field="id")
            conn.last_id = command_id
            rule = self.rules.get(type_)
            if rule is None:
                raise InvalidInput(f"Unknown type {type_[:40]!r}", field="type")
            if not bucket.take():
                raise RateLimited("Too many commands; slow down")
            if conn.is_device and not rule.devices:
                raise Forbidden("A tablet cannot do this")
            if conn.role not in rule.roles:
                raise Forbidden("Your role cannot do this")
            if command is None:
                command = _validated(data)
        except HubError as exc:
            if isinstance(exc, REFUSALS):
                await self._refused(conn, type_, exc, command if command is not None else data)
            conn.write(_error(command_id, exc.code, exc.message, exc.field))
            conn.end()
            return
        except Exception:
            log.exception("command %s from %s failed", command_id, conn.key)
            conn.write(_error(command_id, ErrorCode.INTERNAL, "Something went wrong on the hub"))
            conn.end()
            return
        assert command_id is not None
        if rule.in_lane:
            conn.in_lane(self._run(rule, ctx, type_, command, command_id))
            conn.end()
            return
        try:
            await self._run(rule, ctx, type_, command, command_id)
        finally:
            conn.end()

    async def _run(
        self, rule: Rule, ctx: CommandContext, type_: str, command: Any, command_id: int
    ) -> None:
        conn = ctx.conn
        try:
            result = await rule.handler(ctx, command)
            conn.write(result_frame(command_id, _result_json(result)))
        except HubError as exc:
            if isinstance(exc, REFUSALS):
                await self._refused(conn, type_, exc, command)
            conn.write(_error(command_id, exc.code, exc.message, exc.field))
        except Exception:
            log.exception("command %s from %s failed", command_id, conn.key)
            conn.write(_error(command_id, ErrorCode.INTERNAL, "Something went wrong on the hub"))

    async def _refused(self, conn: Connection, type_: str, exc: HubError, command: Any) -> None:
        if self.refusals is None:
            return
        try:
            await self.refusals(conn.principal.scope, type_[:40], exc, _ids_of(command))
        except Exception:  # the refusal still stands; the operator sees the lost row here
            log.exception("could not audit a refused %s from %s", type_[:40], conn.key)


def _ids_of(command: Any) -> dict[str, object]:
    """The ids a parsed command names (``call_id``, ``person_id``...), for the audit trail."""
    fields = command.model_dump() if isinstance(command, BaseModel) else command
    if not isinstance(fields, dict):
        return {}
    return {k: v for k, v in fields.items() if isinstance(k, str) and k.endswith("_id")}


def _valid_command(raw: str) -> Any:
    """The command, when the frame is a valid one; None for anything else."""
    try:
        return client_command.validate_json(raw)
    except ValidationError:
        return None


def _json_object(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidInput("Frame is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("Frame must be a JSON object")
    return data


def _command_id(data: dict[str, Any]) -> int:
    raw_id = data.get("id")
    if not isinstance(raw_id, int) or isinstance(raw_id, bool) or raw_id < 1:
        raise InvalidInput("Every command needs a positive integer id", field="id")
    return raw_id


def _validated(data: dict[str, Any]) -> Any:
    """Validate a frame already known to be invalid somewhere: say where, and why."""
    try:
        return client_command.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        text = f"{field}: {message}" if field else message
        raise InvalidInput(text, field=field) from None


def _result_json(result: Any) -> str:
    if isinstance(result, Serialised):
        return result
    if isinstance(result, BaseModel):
        return result.model_dump_json()
    return to_json(result).decode()


def _error(command_id: int | None, code: ErrorCode, message: str, field: str | None = None) -> str:
    body = ErrorBody(code=code, message=message, field=field)
    return Error(id=command_id, error=body).model_dump_json(exclude_none=False)
