"""A call's lifecycle: a site asks, a nurse answers, holds, transfers and ends it.

Every transition is one conditional UPDATE (``CallRepo.move``, from the states that
``states.TRANSITIONS`` allows to lead to the target) plus a call event in the same
transaction, so two nurses racing to accept a call give exactly one winner; and nothing
is announced (``announce.py``) that was not first made durable. Who else is in a call is
``participants.py``; the timers are ``timers.py``; the move from wrap-up to closed is the
outcome's (``hub/outcomes/outcome.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.clinical.news2 import score_news2
from hub.clock import Clock, london_month
from hub.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from hub.prison.rules import check_call_start, prison_facts
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.tables import Call, CallEvent, CallParticipant, User
from schemas.codes import CallState, Channel, OrganisationKind, Role
from schemas.signalling import FirstOffer, OfferSignal
from schemas.wire import CallSnapshot, CallStart

from . import states
from .announce import Announcer
from .participants import actor
from .queue import priority_of
from .snapshots import snapshot_of

CHANNELS_BY_SITE: dict[str, frozenset[Channel]] = {
    OrganisationKind.CARE_HOME_NURSING: frozenset({Channel.CARE_HOME}),
    OrganisationKind.CARE_HOME_RESIDENTIAL: frozenset({Channel.CARE_HOME}),
    OrganisationKind.OWN_HOME: frozenset({Channel.HOME_PATIENT, Channel.GOLD_LINE}),
    OrganisationKind.PRISON: frozenset({Channel.PRISON_URGENT, Channel.PRISON_CLINIC}),
}


class CallService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: HubSettings,
        announce: Announcer,
        *,
        process_id: str = "",
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.announce = announce
        self.process_id = process_id  # this hub process (hub_process.id): the broker's origin

    # -- a site asks for help -------------------------------------------------------------
    async def start(
        self, p: Principal, cmd: CallStart, *, signed_by: User | None = None
    ) -> CallSnapshot:
        """Open a call. ``signed_by``: the member of staff whose PIN signed a tablet's call."""
        scope = p.scope
        client_ref = f"{p.key}/{cmd.client_call_id}"
        async with self.db.session() as s:
            existing = await CallRepo(s, self.clock).by_client_ref(scope, client_ref=client_ref)
            if existing is not None:  # a retry after a dropped connection: same call
                return await snapshot_of(s, self.clock, existing)
        try:
            call_id = await self._create(p, cmd, client_ref, signed_by)
        except IntegrityError:  # the same retry, racing: the first one made the call
            async with self.db.session() as s:
                existing = await CallRepo(s, self.clock).by_client_ref(scope, client_ref=client_ref)
                if existing is None:
                    raise
                return await snapshot_of(s, self.clock, existing)
        await self.announce.queue_changed()
        return await self.announce.snapshot(call_id)

    async def _create(
        self, p: Principal, cmd: CallStart, client_ref: str, signed_by: User | None
    ) -> str:
        scope = p.scope
        now = self.clock.now()
        news2 = score_news2(cmd.observations) if cmd.observations else None
        call_id = str(uuid.uuid4())
        async with self.db.session() as s:
            site = await OrganisationRepo(s, self.clock).get(
                scope, organisation_id=scope.organisation_id
            )
            if cmd.channel not in CHANNELS_BY_SITE.get(site.kind, frozenset()):
                raise InvalidInput(
                    f"The {cmd.channel.label} channel is not for a {site.kind} site",
                    field="channel",
                )
            check_call_start(site.kind, p, cmd)
            person_id = cmd.person_id if cmd.person_id is not None else scope.person_id
            if person_id is not None:  # a device enrolled to one person can name only them
                await PersonRepo(s, self.clock).get(scope, person_id=person_id)
            user_id, device_id = actor(p)
            caller_name = cmd.caller_name or p.name
            by_user = user_id  # who the call's events name: with a PIN, the member of staff
            if signed_by is not None:
                by_user, caller_name = signed_by.id, signed_by.display_name
            call = Call(
                id=call_id,
                site_id=scope.organisation_id,
                person_id=person_id,
                device_id=device_id,
                caller_name=caller_name,
                channel=cmd.channel.value,
                reason=cmd.reason.value,
                secondary_reason=cmd.secondary_reason.value if cmd.secondary_reason else None,
                home_intent=cmd.home_intent.value,
                concern=cmd.concern or None,
                observations=cmd.observations.model_dump(mode="json", exclude_none=True)
                if cmd.observations
                else None,
                soft_signs=[x.value for x in cmd.soft_signs],
                news2_total=news2.total if news2 else None,
                news2_band=news2.band.value if news2 else None,
                news2_complete=news2.complete if news2 else None,
                priority=int(
                    priority_of(news2, cmd.reason, cmd.secondary_reason, channel=cmd.channel)
                ),
                state=CallState.QUEUED.value,
                started_at=now,
                queued_at=now,
                local_month=london_month(now),
                client_ref=client_ref,
                **prison_facts(cmd),
            )
            events = [
                CallEvent(
                    call_id=call_id,
                    at=now,
                    kind="state",
                    to_state=CallState.REQUESTED.value,
                    actor_user_id=by_user,
                    actor_device_id=device_id,
                ),
                CallEvent(
                    call_id=call_id,
                    at=now,
                    kind="state",
                    from_state=CallState.REQUESTED.value,
                    to_state=CallState.QUEUED.value,
                    actor_user_id=by_user,
                    actor_device_id=device_id,
                ),
            ]
            await CallRepo(s, self.clock).add(call, events)
            await ParticipantRepo(s, self.clock).add(
                CallParticipant(
                    call_id=call_id,
                    key=p.key,
                    user_id=user_id,
                    device_id=device_id,
                    role="caller",
                    name=call.caller_name or p.name,
                    joined_at=now,
                    process_id=self.process_id or None,
                )
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "call_start",
                target_type="call",
                target_id=call_id,
            )
        return call_id

    async def cancel(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(p.scope, call_id=call_id)
            if call.state not in states.WAITING:
                raise InvalidState("This call has already been answered or ended")
            if await ParticipantRepo(s, self.clock).find(call_id=call_id, key=p.key) is None:
                raise Forbidden("Only the caller can cancel this call")
            moved = await CallRepo(s, self.clock).move(
                call_id=call.id,
                sources=states.sources_for(CallState.CANCELLED),
                target=CallState.CANCELLED,
                actor=actor(p),
                ended_at=self.clock.now(),
            )
            if moved is None:
                raise InvalidState("This call has already been answered or ended")
            await ParticipantRepo(s, self.clock).leave(call_id=call_id, key=p.key)
        await self.announce.queue_changed()
        return await self.announce.call_changed(call_id)

    # -- a nurse answers ------------------------------------------------------------------
    async def accept(
        self, p: Principal, call_id: str, offer: FirstOffer | None = None
    ) -> CallSnapshot:
        """The nurse takes the call. With ``offer`` (the nurse's offer to the caller), the
        offer is relayed the moment the accept is committed, before the announcements, so the
        caller's answer is not held up by them; an offer to anyone not joined to the call is
        refused before anything changes."""
        me = p.scope.user_id
        assert me is not None
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            await repo.get(p.scope, call_id=call_id)
            if offer is not None:
                to = await ParticipantRepo(s, self.clock).find(call_id=call_id, key=offer.to)
                if to is None or to.joined_at is None or to.key == p.key:
                    raise NotFound("That participant is not in this call")
            busy = [
                c
                for c in await repo.waiting(p.scope, states=states.LIVE | {CallState.WRAP_UP})
                if c.nurse_id == me
            ]
            if busy:
                raise InvalidState("Finish your current call (including its wrap-up) first")
            now = self.clock.now()
            moved = await repo.move(
                call_id=call_id,
                sources=states.sources_for(CallState.CONNECTED, within=states.WAITING),
                target=CallState.CONNECTED,
                actor=actor(p),
                only_if=col(Call.offered_to).is_(None) | (col(Call.offered_to) == me),
                nurse_id=me,
                offered_to=None,
                answered_at=now,
            )
            if moved is None:
                winner = await self._taken_by(s, call_id)
                raise Conflict(winner)
            await ParticipantRepo(s, self.clock).add(
                CallParticipant(
                    call_id=call_id,
                    key=p.key,
                    user_id=me,
                    role="nurse",
                    name=p.name,
                    joined_at=now,
                    process_id=self.process_id or None,
                )
            )
        if offer is not None:
            signal = OfferSignal(sdp=offer.sdp)
            await self.announce.signal(call_id, from_key=p.key, to_key=offer.to, signal=signal)
        await self.announce.queue_changed()
        return await self.announce.call_changed(call_id)

    async def _taken_by(self, s: AsyncSession, call_id: str) -> str:
        call = await s.get(Call, call_id, populate_existing=True)
        if call is None:
            return "No such call"
        if call.state in (CallState.CANCELLED, CallState.ABANDONED):
            return "The caller has gone"
        if call.offered_to is not None and call.state == CallState.RINGING:
            user = await UserRepo(s, self.clock).by_id(user_id=call.offered_to)
            return f"Offered to {user.display_name if user else 'another nurse'}"
        if call.nurse_id is not None:
            user = await UserRepo(s, self.clock).by_id(user_id=call.nurse_id)
            return f"Taken by {user.display_name if user else 'another nurse'}"
        return "This call can no longer be accepted"

    async def hold(self, p: Principal, call_id: str, on: bool) -> CallSnapshot:
        await self._as_nurse_move(
            p,
            call_id,
            within={CallState.CONNECTED} if on else {CallState.ON_HOLD},
            target=CallState.ON_HOLD if on else CallState.CONNECTED,
        )
        return await self.announce.call_changed(call_id)

    async def end(self, p: Principal, call_id: str) -> CallSnapshot:
        await self._as_nurse_move(
            p,
            call_id,
            target=CallState.WRAP_UP,
            ended_at=self.clock.now(),
            others_leave=True,
        )
        return await self.announce.call_changed(call_id)

    async def _as_nurse_move(
        self,
        p: Principal,
        call_id: str,
        *,
        target: CallState,
        within: frozenset[CallState] | set[CallState] | None = None,
        others_leave: bool = False,
        **values: Any,
    ) -> None:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            if (
                await repo.move(
                    call_id=call_id,
                    sources=states.sources_for(target, within=within),
                    target=target,
                    actor=actor(p),
                    **values,
                )
                is None
            ):
                raise InvalidState(f"The call is {call.state.replace('_', ' ')}")
            if others_leave:
                participants = ParticipantRepo(s, self.clock)
                for other in await participants.of_call(call_id=call_id):
                    if other.role != "nurse":
                        await participants.leave(call_id=call_id, key=other.key)

    async def transfer(self, p: Principal, call_id: str, to_user_id: int) -> CallSnapshot:
        if to_user_id == p.scope.user_id:
            raise InvalidInput("You cannot transfer a call to yourself", field="to_user_id")
        async with self.db.session() as s:
            target = await UserRepo(s, self.clock).by_id(user_id=to_user_id)
            if target is None or target.role != Role.HUB_NURSE or not target.active:
                raise InvalidInput("Transfer to a hub nurse on shift", field="to_user_id")
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            moved = await repo.move(
                call_id=call_id,
                sources=states.sources_for(CallState.RINGING, within=states.LIVE),
                target=CallState.RINGING,
                actor=actor(p),
                detail={"transfer_to": to_user_id},
                nurse_id=None,
                offered_to=to_user_id,
            )
            if moved is None:
                raise InvalidState(f"The call is {call.state.replace('_', ' ')}")
            await repo.note(
                call_id=call_id,
                kind="transferred",
                actor=actor(p),
                detail={"from": p.scope.user_id, "to": to_user_id},
            )
            await ParticipantRepo(s, self.clock).leave(call_id=call_id, key=p.key)
        snapshot = await self.announce.call_changed(call_id, extra_keys=[p.key])
        await self.announce.ring(to_user_id, snapshot, "transfer")
        await self.announce.queue_changed()
        return snapshot

    async def get(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            call = await CallRepo(s, self.clock).get(p.scope, call_id=call_id)
            await AuditRepo(s, self.clock).note(
                p.scope, "read", target_type="call", target_id=call_id, person_id=call.person_id
            )
            return await snapshot_of(s, self.clock, call)
