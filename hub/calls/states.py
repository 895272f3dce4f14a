"""The call lifecycle as data: which state may follow which. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.codes import CallState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.REQUESTED: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.RINGING, S.CONNECTED, S.CANCELLED, S.ABANDONED}),
    S.RINGING: frozenset({S.CONNECTED, S.QUEUED, S.CANCELLED, S.ABANDONED}),
    S.CONNECTED: frozenset({S.ON_HOLD, S.RINGING, S.WRAP_UP}),
    S.ON_HOLD: frozenset({S.CONNECTED, S.RINGING, S.WRAP_UP}),
    S.WRAP_UP: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.ABANDONED: frozenset(),
}

WAITING = frozenset({S.QUEUED, S.RINGING})
"""States in which a call waits in the queue for a nurse."""

LIVE = frozenset({S.CONNECTED, S.ON_HOLD})
"""States in which people are talking (or on hold)."""

FINISHED = frozenset({S.CLOSED, S.CANCELLED, S.ABANDONED})


def can_move(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def sources_of(target: S) -> frozenset[S]:
    """Every state from which ``target`` may be reached (for conditional updates)."""
    return frozenset(s for s, nexts in TRANSITIONS.items() if target in nexts)


def sources_for(target: S, *, within: Iterable[S] | None = None) -> frozenset[S]:
    """The states a move to ``target`` may start from: every state the table lets lead
    there, narrowed to ``within`` (a transition's own precondition). Asking for a move
    the table does not allow is a programming error, caught here."""
    allowed = sources_of(target)
    if within is None:
        return allowed
    narrowed = frozenset(within)
    if not narrowed <= allowed:
        raise ValueError(f"{sorted(narrowed - allowed)} cannot move to {target}")
    return narrowed
