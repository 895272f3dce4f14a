from __future__ import annotations

import json
from typing import Any

from hub.broker import topics
from schemas.codes import Role
from schemas.wire import MessageAck, MessageEvent, MessageOut, MessageSend, MessageSync

from ...messages.service import thread_of
from ..connection import Replay, Watermark
from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()
READERS = (Role.CARE_HOME_STAFF, Role.PRISON_STAFF, Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)


@commands.command("message/send", *READERS, devices=True, in_lane=True)
async def send(ctx: CommandContext, cmd: MessageSend) -> MessageOut:
    out: MessageOut = await ctx.services.messages.send(ctx.conn.principal, cmd)
    return out


@commands.command("message/sync", *READERS, devices=True)
async def sync(ctx: CommandContext, cmd: MessageSync) -> dict[str, Any]:
    """Replay the thread after ``after_seq`` then deliver live, in order, with no gap.

    The subscription is made first; live messages that arrive during the replay are held
    and released after it, skipping any the replay already sent.
    """
    conn, registry, messages = ctx.conn, ctx.realtime.registry, ctx.services.messages
    topic, _ = thread_of(conn.principal)
    registry.subscribe(conn, topic, cmd.id)
    replay = conn.replays[topic] = Replay()
    field = topics.seq_field(topic)
    last = cmd.after_seq
    replayed = 0
    try:
        while True:
            batch = await messages.after(conn.principal, last)
            for message in batch:
                body = MessageEvent(message=message).model_dump(mode="json")
                frame = json.dumps(
                    {"type": "event", "id": cmd.id, "event": body}, separators=(",", ":")
                )
                conn.send(frame)
                last = getattr(message, field) or 0
                replayed += 1
            if len(batch) < 500:
                break
    finally:
        conn.replays.pop(topic, None)
        watermark = conn.delivered[topic] = Watermark(last)
        for seq, frame in sorted(replay.held, key=lambda held: held[0]):
            if seq > last:  # the replay did not include it: it committed after the read
                conn.send(frame)
                watermark.add(seq)
    return {
        "subscription": cmd.id,
        "replayed": replayed,
        "last_seq": last,
        "unread": await messages.unread(conn.principal),
    }


@commands.command("message/ack", *READERS, devices=True)
async def ack(ctx: CommandContext, cmd: MessageAck) -> dict[str, int]:
    result: dict[str, int] = await ctx.services.messages.acknowledge(ctx.conn.principal, cmd.seq)
    return result
