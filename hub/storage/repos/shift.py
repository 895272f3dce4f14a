"""The shift: who of the hub's staff is on, what they are doing, and today's calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from schemas.codes import CallState, Role

from ..scope import Scope
from ..tables import Call, CallParticipant, Organisation, ShiftPresence, User
from .base import Repo

HUB_STAFF_ROLES = (Role.HUB_NURSE.value, Role.SPECIALIST.value, Role.HUB_ADMIN.value)


@dataclass(frozen=True, slots=True)
class Involvement:
    """One member of staff's part in one unfinished call."""

    user_id: int
    call_id: str
    state: CallState
    role: str  # nurse, specialist, or "offered" (a transfer ringing on their console)
    joined: bool
    site_name: str


class PresenceRepo(Repo):
    async def touch(self, scope: Scope, *, status: str) -> ShiftPresence:
        """Record the caller's status and that their console is alive now."""
        scope.require_hub()
        user_id = scope.user_id or 0
        now = self.clock.now()
        row = await self.session.get(ShiftPresence, user_id, populate_existing=True)
        if row is None:
            row = ShiftPresence(user_id=user_id, status=status, since=now, last_seen_at=now)
        else:
            if row.status != status:
                row.status, row.since = status, now
            row.last_seen_at = now
        self.session.add(row)
        await self.session.flush()
        return row

    async def staff(self, scope: Scope) -> Sequence[tuple[User, ShiftPresence | None]]:
        """Every active member of the hub's staff, with what they last said."""
        scope.require_hub()
        rows = await self.session.exec(
            select(User, ShiftPresence)
            .outerjoin(ShiftPresence, col(ShiftPresence.user_id) == col(User.id))
            .where(col(User.active).is_(True), col(User.role).in_(HUB_STAFF_ROLES))
            .order_by(col(User.role), col(User.display_name))
        )
        return [(u, p) for u, p in rows.all()]


class ShiftRepo(Repo):
    async def involvements(self, scope: Scope) -> Sequence[Involvement]:
        """Every hub user's part in every call that is live, ringing or in wrap-up."""
        scope.require_hub()
        busy = [CallState.CONNECTED, CallState.ON_HOLD, CallState.WRAP_UP, CallState.RINGING]
        rows = await self.session.exec(
            select(CallParticipant, Call, Organisation)
            .join(Call, col(Call.id) == col(CallParticipant.call_id))
            .join(Organisation, col(Organisation.id) == col(Call.site_id))
            .where(
                col(CallParticipant.left_at).is_(None),
                col(CallParticipant.user_id).is_not(None),
                col(Call.state).in_([s.value for s in busy]),
            )
        )
        found = [
            Involvement(
                user_id=p.user_id or 0,
                call_id=c.id,
                state=CallState(c.state),
                role=p.role,
                joined=p.joined_at is not None,
                site_name=o.name,
            )
            for p, c, o in rows.all()
        ]
        offered = await self.session.exec(
            select(Call, Organisation)
            .join(Organisation, col(Organisation.id) == col(Call.site_id))
            .where(Call.state == CallState.RINGING.value, col(Call.offered_to).is_not(None))
        )
        found += [
            Involvement(
                user_id=c.offered_to or 0,
                call_id=c.id,
                state=CallState.RINGING,
                role="offered",
                joined=False,
                site_name=o.name,
            )
            for c, o in offered.all()
        ]
        return found

    async def answered_since(self, scope: Scope, *, since: datetime) -> Sequence[Call]:
        """Calls a nurse answered at or after ``since``."""
        scope.require_hub()
        return (
            await self.session.exec(
                select(Call).where(col(Call.answered_at) >= since, scope.site_clause(Call.site_id))
            )
        ).all()
