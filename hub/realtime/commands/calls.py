from __future__ import annotations

from hub.calls.lifecycle import CallService
from hub.calls.participants import ParticipantService
from hub.errors import Draining
from hub.outcomes.outcome import OutcomeRecord
from schemas.codes import Role
from schemas.wire import (
    CallAccept,
    CallCancel,
    CallClose,
    CallEnd,
    CallGet,
    CallHold,
    CallInvite,
    CallJoin,
    CallLeave,
    CallRetriage,
    CallSnapshot,
    CallStart,
    CallTransfer,
)

from ..context import CommandContext
from ..dispatch import CommandTable

commands = CommandTable()
SITE = Role.CARE_HOME_STAFF
NURSE = Role.HUB_NURSE
CLINICAL = (
    Role.CARE_HOME_STAFF,
    Role.PRISON_STAFF,
    Role.HUB_NURSE,
    Role.SPECIALIST,
    Role.HUB_ADMIN,
)


def _calls(ctx: CommandContext) -> CallService:
    return ctx.services.calls


def _participants(ctx: CommandContext) -> ParticipantService:
    return ctx.services.participants


@commands.command("call/start", SITE, devices=True)
async def start(ctx: CommandContext, cmd: CallStart) -> CallSnapshot:
    if ctx.realtime.drain.draining:
        raise Draining("The hub is restarting: ask again in a moment")
    principal = ctx.conn.principal
    signed_by = None
    if cmd.caller_pin is not None:
        signed_by = await ctx.services.identity.caller_by_pin(
            principal, cmd.caller_name, cmd.caller_pin
        )
    return await _calls(ctx).start(principal, cmd, signed_by=signed_by)


@commands.command("call/cancel", SITE, devices=True)
async def cancel(ctx: CommandContext, cmd: CallCancel) -> CallSnapshot:
    return await _calls(ctx).cancel(ctx.conn.principal, cmd.call_id)


@commands.command("call/get", *CLINICAL, devices=True)
async def get(ctx: CommandContext, cmd: CallGet) -> CallSnapshot:
    return await _calls(ctx).get(ctx.conn.principal, cmd.call_id)


@commands.command("call/accept", NURSE)
async def accept(ctx: CommandContext, cmd: CallAccept) -> CallSnapshot:
    return await _calls(ctx).accept(ctx.conn.principal, cmd.call_id, cmd.offer)


@commands.command("call/hold", NURSE, Role.SPECIALIST)
async def hold(ctx: CommandContext, cmd: CallHold) -> CallSnapshot:
    return await _calls(ctx).hold(ctx.conn.principal, cmd.call_id, cmd.on)


@commands.command("call/retriage", NURSE)
async def retriage(ctx: CommandContext, cmd: CallRetriage) -> CallSnapshot:
    return await ctx.services.retriage.retriage(ctx.conn.principal, cmd.call_id, cmd.priority)


@commands.command("call/transfer", NURSE)
async def transfer(ctx: CommandContext, cmd: CallTransfer) -> CallSnapshot:
    return await _calls(ctx).transfer(ctx.conn.principal, cmd.call_id, cmd.to_user_id)


@commands.command("call/invite", NURSE)
async def invite(ctx: CommandContext, cmd: CallInvite) -> CallSnapshot:
    return await _participants(ctx).invite(ctx.conn.principal, cmd.call_id, cmd.user_id)


@commands.command("call/join", Role.SPECIALIST, NURSE)
async def join(ctx: CommandContext, cmd: CallJoin) -> CallSnapshot:
    return await _participants(ctx).join(ctx.conn.principal, cmd.call_id)


@commands.command("call/leave", SITE, Role.SPECIALIST, NURSE, devices=True)
async def leave(ctx: CommandContext, cmd: CallLeave) -> CallSnapshot:
    return await _participants(ctx).leave(ctx.conn.principal, cmd.call_id)


@commands.command("call/end", NURSE, Role.SPECIALIST)
async def end(ctx: CommandContext, cmd: CallEnd) -> CallSnapshot:
    return await _calls(ctx).end(ctx.conn.principal, cmd.call_id)


@commands.command("call/close", NURSE, Role.SPECIALIST)
async def close(ctx: CommandContext, cmd: CallClose) -> CallSnapshot:
    record = OutcomeRecord.of_close(cmd)
    return await ctx.services.outcomes.record(ctx.conn.principal, cmd.call_id, record)
