"""The per-site, per-month counts the reports read (``report_site_month``) are kept in the
same transaction as every change to a call, and are exactly what ``telehub reports rebuild``
recomputes from the calls, whatever sequence of calls, closes, amendments, follow-ups and
imports came before (property-based, on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.auth.principal import Principal
from hub.avoided.counts import COUNTS
from hub.clock import FakeClock, london_month
from hub.imports.service import ImportService
from hub.outcomes.followups import FollowUpService
from hub.outcomes.record import CallRecordService
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.aggregates import AggregateRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.scope import SYSTEM, Scope
from hub.storage.tables import Call, FollowUpTask, Outcome
from schemas.codes import (
    CallState,
    Channel,
    Disposition,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    Reason,
    Role,
)
from schemas.imports import ImportKind
from schemas.outcomes import AmendmentCreate, FollowUpRecord
from support.reports import CALLS, SITES
from support.world import NOW, World

INTENTS = [h.value for h in HomeIntent]
COUNTERFACTUALS = [c.value for c in NurseCounterfactual]
DISPOSITIONS = [d.value for d in Disposition]  # as stored (not_recorded too)
CLINICAL = [d.value for d in Disposition if d.is_clinical]  # what an amendment may choose
ANSWERS = [a.value for a in FollowUpAnswer]

live_call = st.tuples(
    st.just("call"),
    st.sampled_from(["A", "B"]),
    st.integers(0, 2),  # months before NOW
    st.sampled_from(INTENTS),
    st.none() | st.tuples(st.sampled_from(COUNTERFACTUALS), st.sampled_from(DISPOSITIONS)),
)
amendment = st.tuples(
    st.just("amend"),
    st.integers(0, 50),  # which closed call (modulo how many there are)
    st.sampled_from(["disposition", "nurse_counterfactual"]),
    st.integers(0, 50),
)
follow_up = st.tuples(
    st.just("follow_up"),
    st.integers(0, 50),
    st.sampled_from(ANSWERS),
    st.sampled_from(ANSWERS),
)
import_rows = st.tuples(
    st.just("import"),
    st.lists(
        st.tuples(
            st.sampled_from(["VHOMA", "VHOMB", "VNEW1"]),
            st.integers(0, 40),  # days before NOW
            st.sampled_from(INTENTS),
            st.sampled_from(COUNTERFACTUALS),
            st.sampled_from(DISPOSITIONS),
            st.sampled_from(ANSWERS),
            st.sampled_from(ANSWERS),
        ),
        min_size=1,
        max_size=4,
    ),
)
steps = st.lists(live_call | amendment | follow_up | import_rows, min_size=1, max_size=8)


class Story:
    """Runs the steps through the hub's own writers: calls as the call service stores and
    closes them, amendments and follow-ups through their services, files through the
    import."""

    def __init__(self, db: Database, world: World, tmp: Path) -> None:
        self.db, self.world, self.tmp = db, world, tmp
        self.clock = FakeClock(NOW)
        nurse = world.nurse
        self.nurse = Principal(
            Scope(role=Role.HUB_NURSE, organisation_id=world.hub.id or 0, user_id=nurse.id),
            nurse.display_name,
        )
        self.closed: list[str] = []
        self.tasks: list[int] = []

    async def run(self, step: tuple[Any, ...]) -> None:
        await getattr(self, f"_{step[0]}")(*step[1:])

    async def _call(self, home: str, months_ago: int, intent: str, close: Any) -> None:
        site = self.world.home_a.site if home == "A" else self.world.home_b.site
        started = NOW - timedelta(days=31 * months_ago)
        call = Call(
            id=str(uuid.uuid4()),
            site_id=site.id or 0,
            channel=Channel.CARE_HOME.value,
            reason=Reason.FALL_NO_INJURY.value,
            home_intent=intent,
            state=CallState.WRAP_UP.value if close else CallState.QUEUED.value,
            started_at=started,
            local_month=london_month(started),
            nurse_id=self.world.nurse.id,
        )
        async with self.db.session() as s:
            calls = CallRepo(s, self.clock)
            await calls.add(call)
            if close is None:
                return
            counterfactual, disposition = close
            await calls.move(
                call_id=call.id,
                sources={CallState.WRAP_UP},
                target=CallState.CLOSED,
                actor=(self.world.nurse.id, None),
                closed_at=NOW,
                ended_at=started,
                disposition=disposition,
                nurse_counterfactual=counterfactual,
            )
            s.add(
                Outcome(
                    call_id=call.id,
                    disposition=disposition,
                    nurse_counterfactual=counterfactual,
                    clinical_note="note",
                    follow_up_needed=True,
                    recorded_by=self.world.nurse.id or 0,
                    recorded_at=NOW,
                )
            )
            task = FollowUpTask(call_id=call.id, due_at=started + timedelta(hours=72))
            s.add(task)
            await s.flush()
        self.closed.append(call.id)
        self.tasks.append(task.id or 0)

    async def _amend(self, which: int, field: str, pick: int) -> None:
        if not self.closed:
            return
        call_id = self.closed[which % len(self.closed)]
        values = CLINICAL if field == "disposition" else COUNTERFACTUALS
        async with self.db.session() as s:
            current = getattr(await CallRepo(s, self.clock).get(SYSTEM, call_id=call_id), field)
        new = values[pick % len(values)]
        if new == current:
            new = values[(pick + 1) % len(values)]
        body = AmendmentCreate(field=field, new_value=new, reason="corrected")  # type: ignore[arg-type]
        await CallRecordService(self.db, self.clock).amend(self.nurse, call_id, body)

    async def _follow_up(self, which: int, ed: str, admitted: str) -> None:
        if not self.tasks:
            return
        task_id = self.tasks.pop(which % len(self.tasks))
        clock = FakeClock(NOW + timedelta(days=4))  # every task here is recordable by then
        body = FollowUpRecord(
            ed_within_72h=FollowUpAnswer(ed), admitted_within_72h=FollowUpAnswer(admitted)
        )
        await FollowUpService(self.db, clock).record(self.nurse, task_id, body)

    async def _import(self, rows: list[tuple[Any, ...]]) -> None:
        path = self.tmp / f"calls-{uuid.uuid4().hex[:8]}.csv"
        with path.open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(
                [
                    "call_id", "site_ods", "site_kind", "channel", "started_at", "answered_at",
                    "ended_at", "nhs_number", "reason", "home_intent", "nurse_counterfactual",
                    "disposition", "escalations", "ed_within_72h", "admitted_within_72h",
                ]
            )  # fmt: skip
            for site, days_ago, intent, counterfactual, disposition, ed, admitted in rows:
                started = (NOW - timedelta(days=days_ago, minutes=17)).isoformat()
                out.writerow(
                    [
                        uuid.uuid4().hex, site, "care_home_nursing", "care_home", started, "",
                        "", "", "fall_no_injury", intent, counterfactual, disposition, "", ed,
                        admitted,
                    ]
                )  # fmt: skip
        service = ImportService(self.db, self.clock, HubSettings(environment="test"))
        summary = await service.run(SYSTEM, ImportKind.CALLS, path)
        assert summary.written, summary.errors


async def _counts(db: Database) -> dict[tuple[int, str], tuple[int, ...]]:
    async with db.session() as s:
        return await AggregateRepo(s).everything(SYSTEM)


async def _rebuilt(db: Database) -> dict[tuple[int, str], tuple[int, ...]]:
    async with db.session() as s:
        await AggregateRepo(s).rebuild(SYSTEM)
    return await _counts(db)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=steps)
async def test_kept_counts_are_the_counts_rebuilt_from_the_calls(
    story: list[tuple[Any, ...]], db: Database, world: World, tmp_path: Path
) -> None:
    # Examples share the database: each starts from counts that already match the calls.
    runner = Story(db, world, tmp_path)
    for step in story:
        await runner.run(step)
    kept = await _counts(db)
    assert kept == await _rebuilt(db)


async def test_a_call_closed_amended_and_followed_up_moves_its_month_counts(
    db: Database, world: World, tmp_path: Path
) -> None:
    """The counts change with the call, not only when rebuilt (so the property above is not
    met by two empty tables)."""
    story = Story(db, world, tmp_path)
    site = world.home_a.site.id or 0
    month = london_month(NOW)
    before = (await _counts(db)).get((site, month), (0,) * len(COUNTS))
    await story.run(("call", "A", 0, "ambulance_999", ("admission", "managed_in_place")))
    await story.run(("follow_up", 0, "no", "no"))
    after = dict(zip(COUNTS, (await _counts(db))[(site, month)], strict=True))
    was = dict(zip(COUNTS, before, strict=True))
    assert after["calls"] == was["calls"] + 1
    assert after["admission_confirmed"] == was["admission_confirmed"] + 1
    assert after["ambulance_confirmed"] == was["ambulance_confirmed"] + 1
    await story.run(("amend", 0, "disposition", CLINICAL.index("ambulance_999")))
    amended = dict(zip(COUNTS, (await _counts(db))[(site, month)], strict=True))
    assert amended["calls"] == after["calls"]
    assert amended["ambulance_claimed"] == was["ambulance_claimed"]
    assert amended["admission_claimed"] == was["admission_claimed"]


async def test_the_rebuild_command_recomputes_lost_counts(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    env = {**os.environ, "HUB_DATABASE_URL": url}

    def telehub(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert telehub("db", "upgrade").returncode == 0
    for kind, path in (("sites", SITES), ("calls", CALLS)):
        assert telehub("import", kind, str(path)).returncode == 0
    db = Database(url)
    try:
        kept = await _counts(db)
        assert sum(counts[0] for counts in kept.values()) == 20  # the file's 20 calls
        async with db.session() as s:
            await (await s.connection()).exec_driver_sql("DELETE FROM report_site_month")
        assert await _counts(db) == {}
        rebuilt = telehub("reports", "rebuild")
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert f"{len(kept)} site-months" in rebuilt.stdout
        assert await _counts(db) == kept
    finally:
        await db.close()
