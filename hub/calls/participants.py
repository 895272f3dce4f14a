"""Who is in a call: the participant rows, keyed by ``Principal.key`` (the one place a
participant key is built). A specialist is invited and joins; anyone but the nurse may
leave; a participant's connection comes and goes (a resume window, see ``timers.py``).
"""

from __future__ import annotations

from hub.auth.principal import Principal, user_key
from hub.clock import Clock, as_utc
from hub.errors import Conflict, Forbidden, InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.repos.identities import UserRepo
from hub.storage.tables import CallParticipant, Escalation
from schemas.codes import CallState, Role
from schemas.wire import CallSnapshot

from . import states
from .announce import Announcer

MAX_PARTICIPANTS = 4


def actor(p: Principal) -> tuple[int | None, int | None]:
    """Who a call event names: the user and the device (either may be None)."""
    return p.scope.user_id, p.scope.device_id


class ParticipantService:
    def __init__(
        self, db: Database, clock: Clock, announce: Announcer, *, process_id: str = ""
    ) -> None:
        self.db = db
        self.clock = clock
        self.announce = announce
        self.process_id = process_id  # this hub process (hub_process.id): the broker's origin

    async def invite(self, p: Principal, call_id: str, user_id: int) -> CallSnapshot:
        async with self.db.session() as s:
            target = await UserRepo(s, self.clock).by_id(user_id=user_id)
            if (
                target is None
                or target.role not in (Role.SPECIALIST, Role.HUB_NURSE)
                or (not target.active)
            ):
                raise InvalidInput("Invite a specialist or another hub nurse", field="user_id")
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            if call.nurse_id != p.scope.user_id:
                raise Forbidden("This is not your call")
            if call.state not in states.LIVE:
                raise InvalidState("A specialist can join only a live call")
            participants = ParticipantRepo(s, self.clock)
            present = await participants.of_call(call_id=call_id)
            key = user_key(user_id)
            if any(x.key == key for x in present):
                raise Conflict(f"{target.display_name} is already in or invited to this call")
            if len(present) >= MAX_PARTICIPANTS:
                raise Conflict(f"A call has at most {MAX_PARTICIPANTS} participants")
            await participants.add(
                CallParticipant(
                    call_id=call_id,
                    key=key,
                    user_id=user_id,
                    role="specialist",
                    name=target.display_name,
                    invited_at=self.clock.now(),
                )
            )
            await repo.note(
                call_id=call_id,
                kind="specialist_invited",
                actor=actor(p),
                detail={"user_id": user_id, "specialty": target.specialty},
            )
        snapshot = await self.announce.call_changed(call_id)
        await self.announce.ring(user_id, snapshot, "specialist")
        return snapshot

    async def join(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            participants = ParticipantRepo(s, self.clock)
            invitation = await participants.find(call_id=call_id, key=p.key)
            if invitation is None or invitation.role != "specialist":
                raise Forbidden("You have not been invited to this call")
            if invitation.joined_at is not None:
                raise InvalidState("You are already in this call")
            if call.state not in states.LIVE:
                raise InvalidState("This call is no longer live")
            now = self.clock.now()
            invitation.joined_at = now
            invitation.process_id = self.process_id or None
            s.add(invitation)
            assert invitation.invited_at is not None
            waited = (now - as_utc(invitation.invited_at)).total_seconds()
            user = await UserRepo(s, self.clock).by_id(user_id=p.scope.user_id or 0)
            await repo.note(
                call_id=call_id,
                kind="specialist_joined",
                actor=actor(p),
                detail={"seconds_to_join": round(waited, 1)},
            )
            s.add(
                Escalation(
                    call_id=call_id,
                    code="specialist_joined",
                    at=now,
                    specialty=user.specialty if user else None,
                    recorded_by=p.scope.user_id,
                )
            )
        return await self.announce.call_changed(call_id)

    async def leave(self, p: Principal, call_id: str) -> CallSnapshot:
        async with self.db.session() as s:
            repo = CallRepo(s, self.clock)
            call = await repo.get(p.scope, call_id=call_id)
            participants = ParticipantRepo(s, self.clock)
            me = await participants.find(call_id=call_id, key=p.key)
            if me is None:
                raise InvalidState("You are not in this call")
            if me.role == "nurse":
                raise InvalidState("End or transfer the call instead")
            if me.role == "caller" and call.state in states.WAITING:
                raise InvalidState("Cancel the call instead")
            await participants.leave(call_id=call_id, key=me.key)
            await repo.note(call_id=call_id, kind=f"{me.role}_left", actor=actor(p))
        return await self.announce.call_changed(call_id, extra_keys=[p.key])

    # -- connections come and go ---------------------------------------------------------
    async def connected(self, p: Principal) -> list[CallSnapshot]:
        """A participant is back: it keeps its place in every call it had not left. A nurse
        also gets every call still theirs to finish (live, or in wrap-up after everyone
        was lost), so they can always see and close it."""
        nurse_id = None if p.is_device else p.scope.user_id
        placed = p.in_call is not False  # its sign-in read whether it is in a call (or not)
        if not placed and nurse_id is None:
            return []
        # One conditional UPDATE (skipped for a client its sign-in found in no call) and a
        # nurse's read of their own calls: neither needs a transaction around it.
        call_ids: list[str] = []
        async with self.db.autocommit() as s:
            if placed:
                call_ids += await ParticipantRepo(s, self.clock).set_connected(
                    key=p.key, connected=True, process_id=self.process_id or None
                )
            if nurse_id is not None:
                call_ids += await CallRepo(s, self.clock).ids_of_nurse(
                    nurse_id=nurse_id, states=states.LIVE | {CallState.WRAP_UP}
                )
        snapshots = [
            await self.announce.call_changed(call_id) for call_id in dict.fromkeys(call_ids)
        ]
        return [x for x in snapshots if x.state not in states.FINISHED]

    async def disconnected(self, p: Principal) -> None:
        async with self.db.autocommit() as s:  # one conditional UPDATE
            call_ids = await ParticipantRepo(s, self.clock).set_connected(
                key=p.key, connected=False
            )
        for call_id in dict.fromkeys(call_ids):
            await self.announce.call_changed(call_id)
