"""The command registry: wire type -> payload model, handler and who may send it.

The dispatcher is the websocket's one error mapper: HubErrors become typed error frames,
anything else becomes ``internal`` (logged with its traceback, never sent).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json, to_json

from hub.errors import (
    Forbidden,
    HubError,
    InvalidInput,
    NotFound,
    invalid_input,
    refuse_unstorable_json,
)
from hub.storage.scope import Scope
from schemas.bounds import SAFE_INTEGER_MAX
from schemas.codes import Role
from schemas.errors import ErrorBody, ErrorCode
from schemas.wire import MAX_FRAME_BYTES, Error, client_command, result_frame

from .connection import Connection
from .context import CommandContext

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

    async def handle(self, ctx: CommandContext, raw: str | bytes, bucket: TokenBucket) -> None:
        """One frame from the client. Every frame, valid or not, is charged to the socket's
        budget before anything else is done with it: past the budget it is not parsed."""
        conn = ctx.conn
        command_id: int | None = None
        if not bucket.take():
            conn.write(_error(_leading_id(raw), ErrorCode.RATE_LIMITED, RATE_LIMITED))
            return
        type_ = ""
        data: dict[str, Any] = {}
        command: Any = None
        conn.begin()
        try:
            if isinstance(raw, bytes):
                raise InvalidInput("Binary frames are not accepted")
            if len(raw) > MAX_FRAME_BYTES:
                raise InvalidInput(f"Frame larger than {MAX_FRAME_BYTES} bytes")
            refuse_unstorable_json(raw)  # a NUL would fail the handler's query
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
            if conn.is_device and not rule.devices:
                raise Forbidden("A tablet cannot do this")
            if conn.role not in rule.roles:
                raise Forbidden("Your role cannot do this")
            if command is None:
                command = _validated(data)
        except HubError as exc:
            if isinstance(exc, REFUSALS):
                await self._refused(conn, type_, exc, command if command is not None else data)
            if command_id is None:  # a frame not read as far as its id: echo it if it has one
                command_id = _leading_id(raw)
            conn.write(_error(command_id, exc.code, exc.message, exc.field))
            conn.end()
            return
        except Exception:
            _failed(conn, command_id)
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
            _failed(conn, command_id)

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


def _failed(conn: Connection, command_id: int | None) -> None:
    """A fault of the hub's: ``internal`` to the client, the traceback once per socket (a
    client that keeps finding the same fault must not fill the log)."""
    conn.failures += 1
    log.error(
        "command %s from %s failed (%d on this socket)",
        command_id,
        conn.key,
        conn.failures,
        exc_info=conn.failures == 1,
    )
    conn.write(_error(command_id, ErrorCode.INTERNAL, "Something went wrong on the hub"))


RATE_LIMITED = "Too many commands; slow down"
# A refused frame is not parsed; its id is echoed (so the client can match the refusal to
# its command) when the frame starts as both clients write one: {"type": ..., "id": N, ...}.
_LEADING_ID = re.compile(r'"id"\s*:\s*([1-9][0-9]{0,15})\b')
_LEADING_CHARS = 160


def _leading_id(raw: str | bytes) -> int | None:
    if isinstance(raw, bytes):
        return None
    found = _LEADING_ID.search(raw, 0, _LEADING_CHARS)
    if found is None:
        return None
    command_id = int(found.group(1))
    return command_id if command_id <= SAFE_INTEGER_MAX else None


def _valid_command(raw: str) -> Any:
    """The command, when the frame is a valid one; None for anything else."""
    try:
        return client_command.validate_json(raw)
    except ValidationError:
        return None


def _json_object(raw: str) -> dict[str, Any]:
    try:
        data = from_json(raw)  # nesting past its limit is a ValueError, not a RecursionError
    except ValueError:
        raise InvalidInput("Frame is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("Frame must be a JSON object")
    return data


def _command_id(data: dict[str, Any]) -> int:
    raw_id = data.get("id")
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise InvalidInput("Every command needs a positive integer id", field="id")
    if not 1 <= raw_id <= SAFE_INTEGER_MAX:
        raise InvalidInput(f"id must be between 1 and {SAFE_INTEGER_MAX}", field="id")
    return raw_id


def _validated(data: dict[str, Any]) -> Any:
    """Validate a frame already known to be invalid somewhere: say where, and why."""
    try:
        return client_command.validate_python(data)
    except ValidationError as exc:
        raise invalid_input(exc, skip=1) from None  # the first part is the command's type


def _result_json(result: Any) -> str:
    if isinstance(result, Serialised):
        return result
    if isinstance(result, BaseModel):
        return result.model_dump_json()
    return to_json(result).decode()


def _error(command_id: int | None, code: ErrorCode, message: str, field: str | None = None) -> str:
    body = ErrorBody(code=code, message=message, field=field)
    return Error(id=command_id, error=body).model_dump_json(exclude_none=False)
