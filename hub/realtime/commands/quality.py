from __future__ import annotations

from typing import Any

from hub.calls.quality import record_quality
from schemas.codes import Role
from schemas.wire import CallQuality

from ..dispatch import CommandContext, CommandTable

commands = CommandTable()


@commands.command(
    "call/quality", Role.CARE_HOME_STAFF, Role.HUB_NURSE, Role.SPECIALIST, devices=True
)
async def quality(ctx: CommandContext, cmd: CallQuality) -> dict[str, Any]:
    services = ctx.services
    await record_quality(services.database, services.clock, ctx.conn.principal, cmd)
    return {"call_id": cmd.call_id, "recorded": True}
