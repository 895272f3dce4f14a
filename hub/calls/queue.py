"""Clinical priority and queue order. Pure; no I/O.

Priority comes first (the NEWS2 band: 7+ high; 5-6 or any single parameter scoring 3
medium; otherwise low; some reasons, and the Gold Line, are at least medium whatever the
score), then the time the call has waited. The rules are in docs/protocol.md (section 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Protocol, TypeVar

from hub.clinical.news2 import News2Band, News2Result
from schemas.codes import Channel, Reason


class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


REASON_FLOORS: dict[Reason, Priority] = {
    Reason.CHEST_PAIN: Priority.MEDIUM,
    Reason.REDUCED_CONSCIOUSNESS: Priority.MEDIUM,
    Reason.BREATHING_DIFFICULTY: Priority.MEDIUM,
}

CHANNEL_FLOORS: dict[Channel, Priority] = {
    # A person in their last year of life, or their carer, at any hour: never routine.
    Channel.GOLD_LINE: Priority.MEDIUM,
}

_BAND_PRIORITY = {
    News2Band.HIGH: Priority.HIGH,
    News2Band.MEDIUM: Priority.MEDIUM,
    News2Band.LOW_MEDIUM: Priority.MEDIUM,
    News2Band.LOW: Priority.LOW,
}


def priority_of(
    news2: News2Result | None,
    reason: Reason,
    secondary: Reason | None = None,
    channel: Channel | None = None,
) -> Priority:
    by_score = _BAND_PRIORITY[news2.band] if news2 is not None else Priority.LOW
    floors = [REASON_FLOORS.get(r, Priority.LOW) for r in (reason, secondary) if r is not None]
    if channel is not None:
        floors.append(CHANNEL_FLOORS.get(channel, Priority.LOW))
    return max([by_score, *floors])


class Waitable(Protocol):
    @property
    def call_id(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def queued_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Waiting:
    call_id: str
    priority: int
    queued_at: datetime


W = TypeVar("W", bound=Waitable)


def order(waiting: Iterable[W]) -> list[W]:
    """Highest priority first; within a priority, the longest wait first."""
    return sorted(waiting, key=lambda w: (-w.priority, w.queued_at, w.call_id))


def is_overdue(queued_at: datetime, now: datetime, target_seconds: int) -> bool:
    return (now - queued_at).total_seconds() > target_seconds
