"""The test call: ``echo/start`` answers an offer with the hub's echo peer; ``echo/stop``."""

from __future__ import annotations

from typing import Any

from hub.echo.service import EchoService
from schemas.codes import Role
from schemas.wire import EchoStart, EchoStop

from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()
CHECKERS = (
    Role.CARE_HOME_STAFF,
    Role.PRISON_STAFF,
    Role.HUB_NURSE,
    Role.SPECIALIST,
    Role.HUB_ADMIN,
)


def _echo(ctx: CommandContext) -> EchoService:
    echo: EchoService = ctx.services.echo
    return echo


@commands.command("echo/start", *CHECKERS, devices=True)
async def start(ctx: CommandContext, cmd: EchoStart) -> dict[str, Any]:
    echo_id, sdp = await _echo(ctx).start(ctx.conn.key, cmd.sdp)
    return {"echo_id": echo_id, "sdp": sdp}


@commands.command("echo/stop", *CHECKERS, devices=True)
async def stop(ctx: CommandContext, cmd: EchoStop) -> dict[str, Any]:
    await _echo(ctx).stop(cmd.echo_id, ctx.conn.key)
    return {"stopped": True}
