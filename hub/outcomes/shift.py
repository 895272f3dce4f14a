"""The shift: who of the hub's staff is on and what they are doing (presence), and the hub
administrator's view of today (calls waiting, answer times, calls per nurse)."""

from __future__ import annotations

import statistics
from datetime import timedelta

from hub.auth.principal import Principal
from hub.calls import states
from hub.calls.queue import is_overdue
from hub.clock import LONDON, Clock, as_utc, london_date, london_midnight
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.shift import Involvement, PresenceRepo, ShiftRepo
from hub.storage.scope import SYSTEM, Scope
from schemas.codes import CallState, Role
from schemas.outcomes import NurseShift, ShiftView
from schemas.wire import PresenceStatus, StaffPresence

ONLINE_WINDOW = timedelta(seconds=75)
"""A console that has not checked in for this long is taken to be closed."""
HEARTBEAT_SECONDS = 30

STATUS_LABELS: dict[str, str] = {
    "available": "Available",
    "busy": "Busy",
    "on_break": "On a break",
    "admin": "Admin or follow-ups",
    "offline": "Not signed in",
}


def doing(involvement: Involvement | None, status: str) -> str:
    """What someone is doing, in words: their part in a call comes before what they said."""
    if involvement is None:
        return STATUS_LABELS.get(status, status)
    where = involvement.site_name
    if involvement.role == "offered":
        return f"Being offered a call · {where}"
    if involvement.role == "specialist":
        return f"{'In' if involvement.joined else 'Invited to'} a call (specialist) · {where}"
    match involvement.state:
        case CallState.ON_HOLD:
            return f"Call on hold · {where}"
        case CallState.WRAP_UP:
            return f"Wrap-up · {where}"
    return f"On a call · {where}"


def _main_involvement(found: list[Involvement]) -> Involvement | None:
    """A nurse's live call outranks a wrap-up, which outranks an offer."""
    rank = {CallState.CONNECTED: 0, CallState.ON_HOLD: 1, CallState.WRAP_UP: 2}
    return min(found, key=lambda i: rank.get(i.state, 3), default=None)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


class ShiftService:
    def __init__(self, db: Database, clock: Clock, settings: HubSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    async def check_in(self, p: Principal, status: PresenceStatus) -> None:
        async with self.db.session() as s:
            await PresenceRepo(s, self.clock).touch(p.scope, status=status)

    async def nurses(self) -> tuple[int, int]:
        """(signed in, free): hub nurses on shift now, and those available and not on a
        call. Counts only, for the waiting homes and the on-call alert."""
        on_shift = [s for s in await self.roster(SYSTEM) if s.role is Role.HUB_NURSE and s.online]
        free = [s for s in on_shift if s.status == "available" and s.call_id is None]
        return len(on_shift), len(free)

    async def roster(self, scope: Scope) -> list[StaffPresence]:
        now = self.clock.now()
        async with self.db.session() as s:
            staff = await PresenceRepo(s, self.clock).staff(scope)
            involvements = await ShiftRepo(s, self.clock).involvements(scope)
        by_user: dict[int, list[Involvement]] = {}
        for inv in involvements:
            by_user.setdefault(inv.user_id, []).append(inv)
        out = []
        for user, presence in staff:
            online = presence is not None and now - as_utc(presence.last_seen_at) < ONLINE_WINDOW
            status = presence.status if presence is not None and online else "offline"
            main = _main_involvement(by_user.get(user.id or 0, []))
            out.append(
                StaffPresence(
                    user_id=user.id or 0,
                    name=user.display_name,
                    role=Role(user.role),
                    specialty=user.specialty,
                    status=status,  # type: ignore[arg-type]
                    online=online,
                    doing=doing(main, status),
                    call_id=main.call_id if main else None,
                    since=as_utc(presence.since) if presence is not None and online else None,
                )
            )
        # On shift first, then by role (nurses, specialists, administrators), then name.
        order = {Role.HUB_NURSE: 0, Role.SPECIALIST: 1, Role.HUB_ADMIN: 2}
        out.sort(key=lambda x: (not x.online and x.call_id is None, order.get(x.role, 3), x.name))
        return out

    async def view(self, scope: Scope) -> ShiftView:
        scope.require_admin()
        now = self.clock.now()
        start = london_midnight(london_date(now))
        target = self.settings.answer_target_seconds
        async with self.db.session() as s:
            waiting = await CallRepo(s, self.clock).waiting(scope, states=states.WAITING)
            answered = await ShiftRepo(s, self.clock).answered_since(scope, since=start)
            staff = await PresenceRepo(s, self.clock).staff(scope)
        waits = [(now - as_utc(c.queued_at or c.started_at)).total_seconds() for c in waiting]
        answer_times: dict[int, list[float]] = {}
        all_times: list[float] = []
        per: dict[int, dict[str, int]] = {}
        for call in answered:
            assert call.answered_at is not None
            seconds = (
                as_utc(call.answered_at) - as_utc(call.queued_at or call.started_at)
            ).total_seconds()
            all_times.append(seconds)
            nurse = call.nurse_id or 0
            answer_times.setdefault(nurse, []).append(seconds)
            counts = per.setdefault(nurse, {"answered": 0, "closed": 0, "live": 0})
            counts["answered"] += 1
            if call.state == CallState.CLOSED:
                counts["closed"] += 1
            elif call.state in states.LIVE or call.state == CallState.WRAP_UP:
                counts["live"] += 1
        nurses = [u for u, _ in staff if u.role == Role.HUB_NURSE]
        per_nurse = [
            NurseShift(
                user_id=u.id or 0,
                name=u.display_name,
                answered=per.get(u.id or 0, {}).get("answered", 0),
                closed=per.get(u.id or 0, {}).get("closed", 0),
                live=per.get(u.id or 0, {}).get("live", 0),
                median_answer_seconds=_seconds(statistics.median(answer_times[u.id or 0]))
                if answer_times.get(u.id or 0)
                else None,
            )
            for u in nurses
        ]
        per_nurse.sort(key=lambda n: (-n.answered, n.name))
        return ShiftView(
            day=start.astimezone(LONDON).strftime("%A %-d %B %Y"),
            waiting=len(waiting),
            overdue_waiting=sum(
                is_overdue(as_utc(c.queued_at or c.started_at), now, target) for c in waiting
            ),
            longest_wait_seconds=_seconds(max(waits)) if waits else None,
            answered_today=len(all_times),
            median_answer_seconds=_seconds(statistics.median(all_times)) if all_times else None,
            p90_answer_seconds=_seconds(percentile(all_times, 0.9)),
            within_target=sum(t <= target for t in all_times),
            answer_target_seconds=target,
            per_nurse=per_nurse,
        )


def _seconds(value: float | None) -> int | None:
    return None if value is None else int(round(value))
