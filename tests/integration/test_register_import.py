"""Importing the palliative register and deaths: a bad row writes nothing and names its line;
the same file twice changes nothing; a changed row is a new version, the old kept; a death is
recorded once against the register (and only for someone on it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from hub.storage.engine import Database
from schemas.imports import ImportKind, RegisterRow
from support.reports import run_import
from support.world import World

HEADER = ",".join(RegisterRow.columns())
A = (
    "VHOMA,943 476 5919,home,home,dnacpr,2026-09-01,yes,2026-09-03,Keighley DN,Holycroft,,"
    "yes,2026-09-01"
)
B = "VHOMB,9434765870,home,hospice,not_recorded,,unknown,,,,Manorlands,unknown,2026-10-01"


def _csv(tmp_path: Path, name: str, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


async def _rows(db: Database, table: str) -> list[tuple[object, ...]]:
    async with db.engine.connect() as conn:
        columns = (
            "person_id, version, preferred_place_of_death, source"
            if table == ("palliative_entry")
            else "person_id, died_on, place, source"
        )
        found = await conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2"))
        return [tuple(r) for r in found]


async def test_a_bad_row_writes_nothing_and_names_its_line(
    db: Database, world: World, tmp_path: Path
) -> None:
    bad_nhs = B.replace("9434765870", "9434765871")  # fails the NHS number's check digit
    summary = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", A, bad_nhs))
    assert not summary.written
    assert [(e.line, e.reason.split(":")[0]) for e in summary.errors] == [(3, "nhs_number")]
    assert await _rows(db, "palliative_entry") == []

    elsewhere = B.replace("VHOMB", "VHOMA")  # registered at home B, not home A
    summary = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", A, elsewhere))
    assert not summary.written and [e.line for e in summary.errors] == [3]
    assert "registered at VHOMA" in summary.errors[0].reason
    bad_code = A.replace(",home,home,", ",home,garden,")
    summary = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", B, bad_code))
    assert [(e.line, e.reason.split(":")[0]) for e in summary.errors] == [
        (3, "preferred_place_of_death")
    ]
    assert await _rows(db, "palliative_entry") == []


async def test_a_changed_row_is_a_new_version_and_the_same_file_changes_nothing(
    db: Database, world: World, tmp_path: Path
) -> None:
    first = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", A, B))
    assert first.written and (first.imported, first.updated) == (2, 0), first.errors
    again = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", A, B))
    assert (again.imported, again.updated, again.already_present) == (0, 0, 2)
    moved = A.replace(",home,home,", ",home,hospice,")
    changed = await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", moved, B))
    assert (changed.updated, changed.already_present) == (1, 1)
    a, b = world.home_a.resident.id, world.home_b.resident.id
    assert await _rows(db, "palliative_entry") == [
        (a, 1, "home", "import"),
        (a, 2, "hospice", "import"),
        (b, 1, "hospice", "import"),
    ]


async def test_deaths_are_recorded_once_for_people_on_the_register(
    db: Database, world: World, tmp_path: Path
) -> None:
    await run_import(db, ImportKind.REGISTER, _csv(tmp_path, "r.csv", A))  # A only
    header = "nhs_number,died_on,place"
    not_on = await run_import(
        db,
        ImportKind.DEATHS,
        _csv(
            tmp_path,
            "d.csv",
            "9434765919,2026-10-20,home",
            "9434765870,2026-10-21,hospital",
            header=header,
        ),
    )
    assert not not_on.written and [e.line for e in not_on.errors] == [3]
    assert "not" in not_on.errors[0].reason or "no one" in not_on.errors[0].reason
    assert await _rows(db, "death") == []
    deaths = _csv(tmp_path, "d.csv", "9434765919,2026-10-20,home", header=header)
    assert (await run_import(db, ImportKind.DEATHS, deaths)).imported == 1
    assert (await run_import(db, ImportKind.DEATHS, deaths)).already_present == 1
    other = _csv(tmp_path, "d.csv", "9434765919,2026-10-22,hospital", header=header)
    refused = await run_import(db, ImportKind.DEATHS, other)
    assert not refused.written and "already recorded" in refused.errors[0].reason
    assert "correct it on the person's page" in refused.errors[0].reason
    stored = [(r[0], str(r[1]), r[2], r[3]) for r in await _rows(db, "death")]
    assert stored == [(world.home_a.resident.id, "2026-10-20", "home", "import")]


def test_the_cli_imports_the_register_and_names_a_bad_line(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}

    def telehub(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert telehub("db", "upgrade").returncode == 0
    register = _csv(tmp_path, "r.csv", A)
    refused = telehub("import", "register", str(register))
    assert refused.returncode == 1 and "line 2: nhs_number" in refused.stderr
    assert "Nothing imported" in refused.stdout
