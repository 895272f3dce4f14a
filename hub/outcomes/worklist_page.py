"""One page of the follow-up worklist as the nurse asked for it: a filter (all due, overdue,
due today, the calls she took), the order (soonest or latest due first) and 20 a page, so
192 due follow-ups are ten short pages rather than one very long one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub.clock import london_date
from schemas.outcomes import FollowUpTaskPublic

PAGE_SIZE = 20


class Show(StrEnum):
    ALL = "all"
    OVERDUE = "overdue"
    TODAY = "today"
    MINE = "mine"

    @property
    def label(self) -> str:
        return {
            Show.ALL: "All due",
            Show.OVERDUE: "Overdue",
            Show.TODAY: "Due today",
            Show.MINE: "Calls I took",
        }[self]


class Order(StrEnum):
    SOONEST = "soonest"
    LATEST = "latest"

    @property
    def label(self) -> str:
        return {Order.SOONEST: "Soonest due first", Order.LATEST: "Latest due first"}[self]


@dataclass(frozen=True)
class WorklistPage:
    tasks: list[FollowUpTaskPublic]  # the open tasks on this page
    total: int  # open tasks that match the filter
    page: int
    pages: int
    show: Show
    order: Order


def parse(value: str | None, kind: type[Show] | type[Order], default: Show | Order) -> Show | Order:
    """A query parameter as one of its choices; anything else is the default."""
    try:
        return kind(value) if value else default
    except ValueError:
        return default


def page_of(
    open_tasks: list[FollowUpTaskPublic],
    *,
    show: Show,
    order: Order,
    page: int,
    user_id: int | None,
    today: date,
) -> WorklistPage:
    keep = {
        Show.ALL: lambda t: True,
        Show.OVERDUE: lambda t: t.overdue,
        Show.TODAY: lambda t: london_date(t.due_at) == today,
        Show.MINE: lambda t: user_id is not None and t.nurse_id == user_id,
    }[show]
    chosen = sorted(
        (t for t in open_tasks if keep(t)),
        key=lambda t: (t.due_at, t.id),
        reverse=order is Order.LATEST,
    )
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return WorklistPage(chosen[start : start + PAGE_SIZE], len(chosen), page, pages, show, order)
