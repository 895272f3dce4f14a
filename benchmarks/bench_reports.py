"""Monthly report at national scale (``make bench-reports``).

Builds a database of 15,000 sites under 42 commissioners and 5 million calls over three
years (``--scale`` shrinks both), generated inside the database engine so it takes
minutes, not hours, then the per-site, per-month counts the reports read (as
``telehub reports rebuild`` does; timed). Then times one commissioner's monthly report
(``ReportService``: every query and the build) next to the floor: a plain scan of the same
month's rows of the same commissioner, and the hub-wide report (every commissioner's report
and the hub totals, ``hub.reports.hub_wide``) next to its floor, a plain scan of every
site's rows of the month. It does this for each history length asked for (the same calls
per month), to show that the report's time follows the month, not the history. With
``HUB_WRITE_DOCS=1`` the table replaces the "### Reports with kept counts" section of
``docs/performance.md``.

    python benchmarks/bench_reports.py --scale 0.2 --histories 36,72
    python benchmarks/bench_reports.py --pg postgresql+asyncpg://postgres@127.0.0.1/test

The database is made by ``benchmarks/reports_world.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from benchmarks.docs import DOC, asked, replace_section  # noqa: E402
from benchmarks.reports_world import COMMISSIONERS, LAST_MONTH, generate  # noqa: E402
from hub.clock import SystemClock  # noqa: E402
from hub.reports.engine import ReportService  # noqa: E402
from hub.reports.hub_wide import hub_wide  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.storage.engine import Database  # noqa: E402
from hub.storage.migrate import upgrade  # noqa: E402
from hub.storage.repos.aggregates import rebuild_sync  # noqa: E402
from hub.storage.scope import SYSTEM  # noqa: E402
from schemas.reports import MonthlyReportQuery  # noqa: E402
from support.pg_schema import fresh_schema  # noqa: E402

SITES = 15_000
CALLS_3_YEARS = 5_000_000
REPEATS = 5
HUB_REPEATS = 3
SECTION = "### Reports with kept counts"


@dataclass
class Timing:
    """Wall time (median and best of the runs) and this process's CPU time (best), in ms.
    On a busy machine the best run and the CPU time are the steadier figures; on SQLite
    the CPU time includes the database engine (it runs in this process)."""

    median: float
    best: float
    cpu: float


@dataclass
class Result:
    backend: str
    history_months: int
    calls: int
    month_rows: int
    floor: Timing
    report: Timing
    hub_rows: int
    hub_floor: Timing
    hub: Timing
    commissioners: int
    counts_seconds: float


async def _count(db: Database) -> float:
    """The per-site, per-month counts from the generated calls, as ``telehub reports
    rebuild`` makes them; returns the seconds it took."""
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.run_sync(rebuild_sync)
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        pg = db.engine.dialect.name == "postgresql"
        await conn.execute(text("VACUUM ANALYZE report_site_month" if pg else "ANALYZE"))
    return time.perf_counter() - started


async def _time(
    db: Database, settings: HubSettings, backend: str, history: int, counts_seconds: float
) -> Result:
    async with db.engine.connect() as conn:
        total = (await conn.execute(text("SELECT count(*) FROM call"))).scalar_one()
        commissioner = (
            await conn.execute(text("SELECT id FROM organisation WHERE ods_code = 'Q07'"))
        ).scalar_one()
    floor_sql = text(
        "SELECT * FROM call WHERE local_month = :m AND site_id IN "
        "(SELECT id FROM organisation WHERE commissioner_id = :c)"
    )

    async def floor() -> int:
        async with db.engine.connect() as conn:
            return len((await conn.execute(floor_sql, {"m": LAST_MONTH, "c": commissioner})).all())

    service = ReportService(db, SystemClock(), settings)
    query = MonthlyReportQuery(month=LAST_MONTH, commissioner="Q07")

    async def report() -> int:
        return (await service.monthly(SYSTEM, query)).totals.calls

    hub_sql = text("SELECT * FROM call WHERE local_month = :m")

    async def hub_floor() -> int:
        async with db.engine.connect() as conn:
            return len((await conn.execute(hub_sql, {"m": LAST_MONTH})).all())

    async def hub() -> int:
        return (await hub_wide(service, SYSTEM, LAST_MONTH)).totals.calls

    month_rows = await floor()
    assert await report() == month_rows
    hub_rows = await hub_floor()
    assert await hub() == hub_rows
    commissioners = len((await hub_wide(service, SYSTEM, LAST_MONTH)).reports)
    return Result(
        backend,
        history,
        total,
        month_rows,
        floor=await _timing(floor),
        report=await _timing(report),
        hub_rows=hub_rows,
        hub_floor=await _timing(hub_floor, HUB_REPEATS),
        hub=await _timing(hub, HUB_REPEATS),
        commissioners=commissioners,
        counts_seconds=counts_seconds,
    )


async def _timing(work, repeats: int = REPEATS) -> Timing:  # type: ignore[no-untyped-def]
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        await work()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return Timing(median=statistics.median(wall), best=min(wall), cpu=min(cpu))


async def _one(backend: str, url: str, schema: str | None, args: argparse.Namespace,
               history: int) -> Result:  # fmt: skip
    sites = max(COMMISSIONERS * 4, round(SITES * args.scale))
    calls = round(CALLS_3_YEARS * args.scale * history / 36)
    settings = HubSettings(environment="test", database_url=url, database_schema=schema)
    db = Database.from_settings(settings)
    try:
        await upgrade(db)
        print(f"{backend}: {history} months, {sites:,} sites, {calls:,} calls", file=sys.stderr)
        started = time.perf_counter()
        await generate(db, sites=sites, calls=calls, history=history)
        print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        counts = await _count(db)
        print(f"  counts built in {counts:.0f} s", file=sys.stderr)
        return await _time(db, settings, backend, history, counts)
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 15,000 sites, 5M calls")
    parser.add_argument("--histories", default="36", help="months of history, e.g. 36,72")
    parser.add_argument("--pg", default=os.environ.get("HUB_TEST_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    histories = [int(h) for h in args.histories.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as folder:
        for history in histories:
            if not args.no_sqlite:
                url = f"sqlite+aiosqlite:///{folder}/bench_{history}.sqlite3"
                results.append(await _one("SQLite", url, None, args, history))
            if args.pg:
                name = f"bench_reports_{history}"
                async with fresh_schema(args.pg, name, name=name) as schema:
                    results.append(await _one("PostgreSQL", args.pg, schema, args, history))
    _print(results, args.scale)


def _print(results: list[Result], scale: float) -> None:
    load = os.getloadavg()
    section = _markdown(results, scale, load)
    print("\n" + section)
    if asked():
        replace_section(DOC, SECTION, section)
        print(f"Wrote the table to {DOC}", file=sys.stderr)


def _markdown(results: list[Result], scale: float, load: tuple[float, float, float]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        SECTION,
        "",
        f"`make bench-reports` (scale {scale:g}), {when}, on {os.cpu_count()} CPUs with load "
        f"average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the end: "
        "**the machine is shared with other engineers' test runs**, so wall times are "
        "inflated; the best runs and the CPU times are the steadier figures. One "
        f"commissioner's report ({LAST_MONTH}, {REPEATS} runs) beside its floor (a plain "
        "scan of that commissioner's month's rows); the hub-wide report (every commissioner's "
        f"report and the hub totals, {HUB_REPEATS} runs) beside its floor (a plain scan of "
        "every site's month's rows). Both read the per-site, per-month counts "
        "(`report_site_month`), built once from the generated calls (timed below).",
        "",
        "| backend | history | calls in DB | counts built | month's rows | floor (median / best "
        "/ CPU) | report (median / best / CPU) | report/floor (best) | target ≤ 5× |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f, p = r.floor, r.report
        ratio = p.best / f.best
        lines.append(
            f"| {r.backend} | {r.history_months} months | {r.calls:,} | {r.counts_seconds:.0f} s "
            f"| {r.month_rows:,} | {f.median:.0f} / {f.best:.0f} / {f.cpu:.0f} ms | "
            f"{p.median:.0f} / {p.best:.0f} / {p.cpu:.0f} ms | {ratio:.1f}× | "
            f"{'met' if ratio <= 5 else 'not met'} |"
        )
    lines += [
        "",
        "| backend | history | commissioners | month's rows (all sites) | floor (median / best "
        "/ CPU) | hub-wide report (median / best / CPU) | target < 2 s (best) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f, h = r.hub_floor, r.hub
        lines.append(
            f"| {r.backend} | {r.history_months} months | {r.commissioners} | {r.hub_rows:,} | "
            f"{f.median:.0f} / {f.best:.0f} / {f.cpu:.0f} ms | "
            f"{h.median:.0f} / {h.best:.0f} / {h.cpu:.0f} ms | "
            f"{'met' if h.best < 2000 else 'not met'} |"
        )
    for backend in sorted({r.backend for r in results}):
        mine = [r for r in results if r.backend == backend]
        if len(mine) == 2:
            small, large = mine
            lines.append(
                f"\n{backend}: history ×{large.calls / small.calls:.1f} → report best time "
                f"×{large.report.best / small.report.best:.2f}, CPU "
                f"×{large.report.cpu / small.report.cpu:.2f}"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    asyncio.run(main())
