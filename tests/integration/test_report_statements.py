"""What one commissioner's monthly report costs the database: the statements it sends.
Most of a small area's report is the fixed cost of each statement, not its rows (issue 19,
docs/performance.md), so they are counted here, and a change that adds one fails (SQLite
and PostgreSQL)."""

from __future__ import annotations

from hub.storage.engine import Database
from support.reports import load_worked_example, monthly_report
from support.statements import counted
from support.world import World, add_prison

# The area and the hub; the area's sites; the month's calls; their escalations, drops and
# quality records (one statement); the trend's counts; the periods' sums; the hospital
# activity; a prison's appointments; the register's deaths; the audit row (the chain
# head taken and moved on, the row).
WITH_A_PRISON = 13
WITHOUT = WITH_A_PRISON - 1  # no prison among the sites: no appointments to read


def _listed(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:120] for s in statements)


async def test_one_commissioners_report_runs_a_fixed_number_of_statements(
    db: Database, world: World
) -> None:
    await load_worked_example(db)
    await monthly_report(db, commissioner="QAA")  # the first time costs what every time does
    with counted(db) as seen:
        await monthly_report(db, commissioner="QAA")
    assert len(seen.statements) == WITHOUT, _listed(seen.statements)


async def test_a_prison_among_the_sites_adds_only_its_appointments(
    db: Database, world: World
) -> None:
    await load_worked_example(db)
    await add_prison(db, world)
    with counted(db) as seen:
        await monthly_report(db, commissioner="QAA")
    assert len(seen.statements) == WITH_A_PRISON, _listed(seen.statements)
    with counted(db) as seen:
        await monthly_report(db, commissioner="QBB")  # its only site is a care home
    assert len(seen.statements) == WITHOUT, _listed(seen.statements)
