"""The call history, through both endpoints: one meaning of a date range (whole Europe/London
days, ``from`` and ``to`` both included), right across the clock changes, and every search
scoped and audited."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.app import create_app
from hub.clock import LondonDays, london_month
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Call
from schemas.codes import CallState, Channel, HomeIntent, Reason
from support.hub import HubServer
from support.world import World, sign_in

# The last Sundays of March and October 2026, when London's clocks change at 01:00 UTC.
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)
# 00:30 London time on each side of each change, as UTC.
STARTS = {
    "spring_sunday": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # GMT: 00:30 on the 29th
    "spring_monday": datetime(2026, 3, 29, 23, 30, tzinfo=UTC),  # BST: 00:30 on the 30th
    "autumn_sunday": datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # BST: 00:30 on the 25th
    "autumn_late": datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # GMT: 23:30 on the 25th
}


@pytest.fixture
async def nurse(settings: HubSettings, world: World) -> AsyncIterator[TestClient]:
    async with TestClient(HubServer(create_app(settings))) as client:
        await sign_in(client, world.nurse.username)
        yield client


@pytest.fixture
async def calls(db: Database, world: World) -> dict[str, str]:
    """One closed call in home A at each moment in STARTS: name -> call id."""
    ids = {name: str(uuid.uuid4()) for name in STARTS}
    async with db.session() as s:
        for name, started in STARTS.items():
            s.add(
                Call(
                    id=ids[name],
                    site_id=world.home_a.site.id or 0,
                    person_id=world.home_a.resident.id,
                    channel=Channel.CARE_HOME.value,
                    reason=Reason.FALL_NO_INJURY.value,
                    home_intent=HomeIntent.GP_URGENT.value,
                    state=CallState.CLOSED.value,
                    started_at=started,
                    local_month=london_month(started),
                )
            )
    return ids


async def _found(client: TestClient, path: str, query: str) -> set[str]:
    response = await client.get(f"{path}?{query}")
    assert response.status == 200, await response.text()
    return {row["id"] for row in await response.json()}


@pytest.mark.parametrize("path", ["/api/calls", "/api/call-history"])
async def test_a_day_is_a_london_day_across_the_clock_changes(
    nurse: TestClient, calls: dict[str, str], path: str
) -> None:
    def day(d: date) -> str:
        return f"from={d.isoformat()}&to={d.isoformat()}"

    assert await _found(nurse, path, day(SPRING)) == {calls["spring_sunday"]}
    assert await _found(nurse, path, day(date(2026, 3, 30))) == {calls["spring_monday"]}
    assert await _found(nurse, path, day(date(2026, 10, 24))) == set()
    # The 25-hour autumn Sunday holds both its first half hour (BST) and its last (GMT).
    assert await _found(nurse, path, day(AUTUMN)) == {
        calls["autumn_sunday"],
        calls["autumn_late"],
    }
    # Open-ended ranges use the same London midnights.
    assert await _found(nurse, path, "from=2026-10-25&to=2026-10-31") == {
        calls["autumn_sunday"],
        calls["autumn_late"],
    }
    assert calls["autumn_sunday"] not in await _found(nurse, path, "to=2026-10-24")
    assert calls["autumn_sunday"] in await _found(nurse, path, "from=2026-10-25")


@pytest.mark.parametrize("path", ["/api/calls", "/api/call-history"])
async def test_a_range_ending_before_it_starts_is_refused_naming_the_field(
    nurse: TestClient, path: str
) -> None:
    response = await nurse.get(f"{path}?from=2026-10-25&to=2026-10-24")
    assert response.status == 422
    assert (await response.json())["field"] == "to"


async def test_every_history_search_is_audited_with_what_it_found_not_the_filters(
    nurse: TestClient, db: Database, world: World, calls: dict[str, str]
) -> None:
    await _found(nurse, "/api/calls", "from=2026-10-25&to=2026-10-25")
    await _found(nurse, "/api/call-history", "resident=Edith&from=2026-10-25&to=2026-10-25")
    async with db.session() as s:
        audit = (await s.exec(select(AuditEvent).where(AuditEvent.action == "call_search"))).all()
    autumn = sorted([calls["autumn_sunday"], calls["autumn_late"]])
    assert [(a.actor, a.detail["results"]) for a in audit] == [(f"user:{world.nurse.id}", 2)] * 2
    assert [sorted(a.detail["call_ids"]) for a in audit] == [autumn, autumn]
    assert "Edith" not in str([a.detail for a in audit])


def test_london_days_are_23_or_25_hours_long_at_the_clock_changes() -> None:
    spring, autumn = LondonDays(SPRING, SPRING), LondonDays(AUTUMN, AUTUMN)
    assert spring.since == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert spring.until == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert autumn.since == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert autumn.until == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    assert LondonDays().since is None and LondonDays().until is None
