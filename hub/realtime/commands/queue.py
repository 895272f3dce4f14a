from __future__ import annotations

from typing import Any

from hub.broker import topics
from schemas.codes import Role
from schemas.wire import QueueSubscribe, QueueUnsubscribe

from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()


@commands.command("queue/subscribe", Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)
async def subscribe(ctx: CommandContext, cmd: QueueSubscribe) -> dict[str, Any]:
    """Every waiting call now, then a queue event whenever it changes."""
    ctx.realtime.registry.subscribe(ctx.conn, topics.QUEUE, cmd.id)
    entries = await ctx.services.announce.queue(ctx.conn.principal)
    return {"subscription": cmd.id, "entries": [e.model_dump(mode="json") for e in entries]}


@commands.command("queue/unsubscribe", Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)
async def unsubscribe(ctx: CommandContext, cmd: QueueUnsubscribe) -> dict[str, Any]:
    if ctx.conn.subscriptions.get(topics.QUEUE) != cmd.subscription:
        from hub.errors import NotFound

        raise NotFound("No such subscription")
    ctx.realtime.registry.unsubscribe(ctx.conn, topics.QUEUE)
    return {"unsubscribed": cmd.subscription}
