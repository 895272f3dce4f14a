"""Who is on shift and what they are doing: each console checks in (on connecting, as a
heartbeat, and whenever its user's call changes) and everyone subscribed hears the roster."""

from __future__ import annotations

from typing import Any

from hub.broker import topics
from hub.outcomes.shift import HEARTBEAT_SECONDS, ShiftService
from schemas.codes import Role
from schemas.wire import PresenceEvent, PresenceSet, PresenceSubscribe

from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()
HUB_STAFF = (Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)


def _shift(ctx: CommandContext) -> ShiftService:
    return ctx.services.shift


@commands.command("presence/set", *HUB_STAFF)
async def set_status(ctx: CommandContext, cmd: PresenceSet) -> dict[str, Any]:
    """Check in (durably), then tell every subscribed console the new roster."""
    shift = _shift(ctx)
    principal = ctx.conn.principal
    await shift.check_in(principal, cmd.status)
    staff = await shift.roster(principal.scope)
    await ctx.services.fanout.event(topics.PRESENCE, PresenceEvent(staff=staff))
    return {"status": cmd.status, "heartbeat_seconds": HEARTBEAT_SECONDS}


@commands.command("presence/subscribe", *HUB_STAFF)
async def subscribe(ctx: CommandContext, cmd: PresenceSubscribe) -> dict[str, Any]:
    ctx.realtime.registry.subscribe(ctx.conn, topics.PRESENCE, cmd.id)
    staff = await _shift(ctx).roster(ctx.conn.principal.scope)
    return {
        "subscription": cmd.id,
        "staff": [x.model_dump(mode="json") for x in staff],
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }
