"""Import of a historical call log (``make bench-import``).

Writes a synthetic call file (1,000,000 rows by default: 2,000 sites, three years in time
order, a third with an NHS number, one in five with escalations), then times
``ImportService.run`` (what ``telehub import calls FILE`` does) into an empty database: wall
time and this process's CPU time. A second run of the same file checks that nothing changes.

    python benchmarks/bench_import.py --rows 1000000
    python benchmarks/bench_import.py --rows 200000 --profile /tmp/import.prof
    python benchmarks/bench_import.py --rows 200000 --pg postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hub.clock import SystemClock  # noqa: E402
from hub.imports.service import ImportService  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.storage.engine import Database  # noqa: E402
from hub.storage.migrate import upgrade  # noqa: E402
from hub.storage.scope import SYSTEM  # noqa: E402
from schemas.imports import CallRow, ImportKind  # noqa: E402
from support.pg_schema import fresh_schema  # noqa: E402

START = datetime(2023, 11, 1, tzinfo=UTC)
SPAN_SECONDS = 36 * 30.44 * 86400
INTENTS = ["ambulance_999", "ed_self_present", "gp_urgent", "ooh_gp", "wait_and_see", "unknown"]
COUNTERFACTUALS = ["admission", "ed_attendance", "gp_contact", "no_nhs_contact", "unknown"]
DISPOSITIONS = [
    "managed_in_place",
    "gp_followup",
    "district_nurse",
    "ambulance_999",
    "ed_self_present",
    "direct_admission",
]
REASONS = ["fever", "fall_no_injury", "breathing_difficulty", "new_confusion", "pain"]
ESCALATIONS = ["specialist_joined", "gp_contacted", "specialist_callback;hub_doctor"]
FOLLOW_UP = ["yes", "no", "no", "unknown"]


def _nhs_number(rng: random.Random) -> str:
    """A valid NHS number in England's range (400-499), not a test number."""
    while True:
        digits = [4] + [rng.randint(0, 9) for _ in range(8)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def write_file(path: Path, rows: int, sites: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    kinds = ["care_home_nursing", "care_home_residential", "own_home", "prison"]
    channels = {
        "care_home_nursing": "care_home",
        "care_home_residential": "care_home",
        "own_home": "home_patient",
        "prison": "prison_urgent",
    }
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CallRow.columns())
        for i in range(rows):
            site = rng.randrange(sites)
            kind = kinds[site % 4]
            started = START + timedelta(seconds=SPAN_SECONDS * i / rows)
            answered = started + timedelta(seconds=rng.randint(5, 900))
            ended = answered + timedelta(seconds=rng.randint(60, 3600))
            out.writerow(
                [
                    f"H{i:09d}",
                    f"V{site:04d}",
                    kind,
                    channels[kind],
                    started.isoformat(timespec="seconds"),
                    answered.isoformat(timespec="seconds") if rng.random() < 0.97 else "",
                    ended.isoformat(timespec="seconds") if rng.random() < 0.9 else "",
                    _nhs_number(rng) if rng.random() < 0.3 else "",
                    rng.choice(REASONS),
                    rng.choice(INTENTS),
                    rng.choice(COUNTERFACTUALS),
                    rng.choice(DISPOSITIONS),
                    rng.choice(ESCALATIONS) if rng.random() < 0.2 else "",
                    rng.choice(FOLLOW_UP),
                    rng.choice(FOLLOW_UP),
                    "",  # gold_line_outcome: none of these is a Gold Line call
                ]
            )


def _children_cpu() -> float:
    """CPU time of finished child processes (the import's reading process), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _run(settings: HubSettings, path: Path, profile: str | None) -> None:
    db = Database.from_settings(settings)
    try:
        await upgrade(db)
        service = ImportService(db, SystemClock(), settings)
        for attempt in ("first import", "same file again"):
            profiler = cProfile.Profile() if profile and attempt == "first import" else None
            started, started_cpu = time.perf_counter(), time.process_time()
            children = _children_cpu()
            if profiler:
                profiler.enable()
            summary = await service.run(SYSTEM, ImportKind.CALLS, path)
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile or "")
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            reader = _children_cpu() - children
            print(
                f"  {attempt}: {wall:.1f} s wall, {cpu:.1f} s CPU here + {reader:.1f} s in the "
                f"reading process; {summary.describe()}",
                flush=True,
            )
            assert summary.written and not summary.errors, summary.errors[:5]
        async with db.engine.connect() as conn:
            calls = (await conn.execute(text("SELECT count(*) FROM call"))).scalar_one()
        print(f"  calls stored: {calls:,}")
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=2_000)
    parser.add_argument("--file", type=Path, help="reuse (or keep) the call file here")
    parser.add_argument("--pg", default="", help="also import into this PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the first SQLite import here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as folder:
        path = args.file or Path(folder) / "calls.csv"
        if not path.exists():
            started = time.perf_counter()
            write_file(path, args.rows, args.sites)
            print(f"wrote {args.rows:,} rows in {time.perf_counter() - started:.0f} s")
        print(f"{path.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")  # fmt: skip
        if not args.no_sqlite:
            print("SQLite (empty database):")
            url = f"sqlite+aiosqlite:///{folder}/import.sqlite3"
            await _run(HubSettings(environment="test", database_url=url), path, args.profile)
        if args.pg:
            async with fresh_schema(args.pg, "bench_import", name="bench_import") as schema:
                print("PostgreSQL (empty schema):")
                settings = HubSettings(
                    environment="test", database_url=args.pg, database_schema=schema
                )
                await _run(settings, path, None)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
