"""The signalling path's cache of who is in each call, against a real database."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import event

from hub.clock import SystemClock
from hub.realtime.roster import TTL_SPREAD, Roster
from hub.storage.engine import Database
from hub.storage.tables import CallParticipant
from support.statements import counted
from support.world import NOW, World


async def _join(db: Database, call_id: str, key: str) -> None:
    async with db.session() as s:
        s.add(CallParticipant(call_id=call_id, key=key, role="nurse", name=key, joined_at=NOW))


async def test_many_candidates_for_an_unread_call_share_one_query(
    db: Database, world: World
) -> None:
    call_id = world.home_a.call.id
    await _join(db, call_id, "user:1")
    roster = Roster(db, SystemClock())
    with counted(db) as seen:
        answers = await asyncio.gather(*(roster.joined(call_id) for _ in range(50)))
        assert await roster.joined(call_id) == frozenset({"user:1"})
    assert set(answers) == {frozenset({"user:1"})}
    assert len(seen.selects) == 1


async def test_a_change_while_reading_is_not_kept(db: Database, world: World) -> None:
    call_id = world.home_a.call.id
    await _join(db, call_id, "user:1")
    roster = Roster(db, SystemClock())
    loop = asyncio.get_running_loop()
    queried = asyncio.Event()

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "callparticipant" in statement:
            loop.call_soon_threadsafe(queried.set)

    event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    try:
        reading = asyncio.ensure_future(roster.joined(call_id))
        await queried.wait()  # the read has its answer from the database...
        roster.forget(call_id)  # ...when the hub hears that the call changed
        assert await reading == frozenset({"user:1"})
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", after)
    await _join(db, call_id, "user:2")
    assert await roster.joined(call_id) == frozenset({"user:1", "user:2"})


async def test_entries_run_out_spread_over_time_not_all_at_once(db: Database, world: World) -> None:
    roster = Roster(db, SystemClock(), ttl_seconds=100.0)
    calls = [world.home_a.call.id, world.home_b.call.id]
    before = time.monotonic()
    for _ in range(20):
        for call_id in calls:
            roster.forget(call_id)
            await roster.joined(call_id)
    expiries = [expires - before for expires, _ in roster._cache.values()]
    assert all(100 * (1 - TTL_SPREAD) <= e <= 100 * (1 + TTL_SPREAD) + 5 for e in expiries)
    spread = set()
    for _ in range(20):
        roster.forget(calls[0])
        await roster.joined(calls[0])
        spread.add(round(roster._cache[calls[0]][0], 3))
    assert len(spread) > 1
