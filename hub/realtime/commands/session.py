from __future__ import annotations

from typing import Any

from schemas.codes import Role
from schemas.wire import Ping

from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()


@commands.command("ping", *Role, devices=True)
async def ping(ctx: CommandContext, cmd: Ping) -> dict[str, Any]:
    return {"pong": True}
