"""Relaying WebRTC signalling between a call's joined participants. Never stored."""

from __future__ import annotations

from pydantic_core import to_json

from hub.broker import topics
from hub.errors import Forbidden, NotFound
from schemas.codes import Role
from schemas.signalling import (
    AnswerSignal,
    HangupSignal,
    MediaSignal,
    OfferSignal,
    candidate_signal_json,
)
from schemas.wire import (
    SignalAnswer,
    SignalCandidate,
    SignalHangup,
    SignalMedia,
    SignalOffer,
    signal_event_json,
)

from ..context import CommandContext
from ..dispatch import CommandTable, Serialised

commands = CommandTable()
PARTICIPANTS = (Role.CARE_HOME_STAFF, Role.PRISON_STAFF, Role.HUB_NURSE, Role.SPECIALIST)
RELAYED = Serialised(to_json({"relayed": True}).decode())


async def _relay(ctx: CommandContext, call_id: str, to: str, signal_json: str) -> Serialised:
    roster = ctx.realtime.roster
    joined = roster.cached(call_id)  # nearly always: no coroutine for the common case
    if joined is None:
        joined = await roster.joined(call_id)
    sender = ctx.conn.key
    if sender not in joined:
        raise Forbidden("You are not in this call")
    if to not in joined or to == sender:
        raise NotFound("That participant is not in this call")
    event = signal_event_json(call_id, sender, signal_json)
    await ctx.services.fanout.event_json(topics.participant(to), event)
    return RELAYED


@commands.command("signal/offer", *PARTICIPANTS, devices=True)
async def offer(ctx: CommandContext, cmd: SignalOffer) -> Serialised:
    return await _relay(
        ctx,
        cmd.call_id,
        cmd.to,
        OfferSignal(sdp=cmd.sdp, ice_restart=cmd.ice_restart).model_dump_json(),
    )


@commands.command("signal/answer", *PARTICIPANTS, devices=True)
async def answer(ctx: CommandContext, cmd: SignalAnswer) -> Serialised:
    return await _relay(ctx, cmd.call_id, cmd.to, AnswerSignal(sdp=cmd.sdp).model_dump_json())


@commands.command("signal/candidate", *PARTICIPANTS, devices=True)
async def candidate(ctx: CommandContext, cmd: SignalCandidate) -> Serialised:
    return await _relay(ctx, cmd.call_id, cmd.to, candidate_signal_json(cmd.candidate))


@commands.command("signal/hangup", *PARTICIPANTS, devices=True)
async def hangup(ctx: CommandContext, cmd: SignalHangup) -> Serialised:
    return await _relay(ctx, cmd.call_id, cmd.to, HangupSignal().model_dump_json())


@commands.command("signal/media", *PARTICIPANTS, devices=True)
async def media(ctx: CommandContext, cmd: SignalMedia) -> Serialised:
    signal = MediaSignal(video=cmd.video, why=cmd.why)
    return await _relay(ctx, cmd.call_id, cmd.to, signal.model_dump_json())
