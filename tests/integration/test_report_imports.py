"""Imports: the same file twice changes nothing; one bad row writes nothing and is named;
--skip-invalid imports the rest; unknown sites are created; activity and sites update."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from hub.storage.engine import Database
from schemas.imports import CallRow, ImportKind
from support.reports import ACTIVITY, CALLS, SITES, run_import
from support.world import World, sign_in

TABLES = ("organisation", "call", "escalation", "hospital_activity")


@pytest.fixture(params=["read here", "read in a second process"])
def call_reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large call file is read and checked in a second process: run the call tests both
    ways, whatever the size of their files."""
    if request.param == "read in a second process":
        monkeypatch.setattr("hub.imports.calls.PARALLEL_FROM_BYTES", 0)


async def _snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables an import writes (ids aside, for the call table)."""
    found = {}
    async with db.engine.connect() as conn:
        for table in TABLES:
            order = "external_id, site_id" if table == "call" else "1"
            columns = "*" if table != "call" else "external_id, site_id, local_month, disposition"
            rows = await conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY {order}"))
            found[table] = [tuple(r) for r in rows]
    return found


async def test_importing_the_same_files_twice_changes_nothing(
    db: Database, world: World, call_reading: None
) -> None:
    first = [await run_import(db, k, p) for k, p in _files()]
    assert [s.imported for s in first] == [3, 20, 13]
    assert first[1].created_sites == ["VHOMA"] or "VHOMA" not in first[1].created_sites
    before = await _snapshot(db)
    again = [await run_import(db, k, p) for k, p in _files()]
    assert [s.imported for s in again] == [0, 0, 0]
    assert [s.already_present for s in again] == [3, 20, 13]
    assert all(s.written and not s.errors for s in again)
    assert await _snapshot(db) == before
    async with db.engine.connect() as conn:
        months = dict((await conn.execute(text("SELECT external_id, local_month FROM call"))).all())
    assert (months["C01"], months["C16"], months["C18"], months["C19"]) == (
        "2026-10",
        "2026-10",
        "2026-11",
        "2026-09",
    )


def _files() -> list[tuple[ImportKind, Path]]:
    return [(ImportKind.SITES, SITES), (ImportKind.CALLS, CALLS), (ImportKind.ACTIVITY, ACTIVITY)]


def _with_bad_row(tmp_path: Path) -> Path:
    lines = CALLS.read_text().splitlines()
    fields = lines[5].split(",")  # C05
    fields[9] = "would_have_prayed"  # home_intent
    lines[5] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    return bad


async def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(
    db: Database, world: World, tmp_path: Path, call_reading: None
) -> None:
    await run_import(db, ImportKind.SITES, SITES)
    before = await _snapshot(db)
    summary = await run_import(db, ImportKind.CALLS, _with_bad_row(tmp_path))
    assert not summary.written and summary.imported == 0
    assert [e.line for e in summary.errors] == [6]
    assert summary.errors[0].reason.startswith("home_intent:")
    assert await _snapshot(db) == before

    skipped = await run_import(db, ImportKind.CALLS, _with_bad_row(tmp_path), skip_invalid=True)
    assert skipped.written and (skipped.imported, skipped.skipped) == (19, 1)


async def test_rows_are_checked_and_unknown_sites_are_created(
    db: Database, world: World, tmp_path: Path, call_reading: None
) -> None:
    header = ",".join(c for c in CallRow.columns() if c not in CallRow.OPTIONAL)  # left out
    good = (
        "N1,VNEW1,care_home_residential,care_home,2026-10-01T09:00:00+01:00,,,,"
        "fever,gp_urgent,gp_contact,managed_in_place,,no,no"
    )
    rows = [
        good,
        good,  # the same call_id again
        "N2,VHOMA,care_home_residential,care_home,2026-10-01T09:00:00Z,,,,fever,gp_urgent,gp_contact,managed_in_place,,no,no",
        "N3,VNEW1,care_home_residential,care_home,2026-10-01T09:00:00,,,,fever,gp_urgent,gp_contact,managed_in_place,,no,no",
        "N4,VNEW1,care_home_residential,care_home,2026-10-01T09:00:00Z,2026-10-01T08:00:00Z,,,fever,gp_urgent,gp_contact,managed_in_place,,no,no",
        "N5,VNEW1,care_home_residential,care_home,2026-10-01T09:00:00Z,,,1234567890,fever,gp_urgent,gp_contact,managed_in_place,bogus,maybe,no",
        "N6,VNEW1",
    ]
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    summary = await run_import(db, ImportKind.CALLS, path, skip_invalid=True)
    reasons = {e.line: e.reason for e in summary.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "already on line 2" in reasons[3]
    assert "care_home_nursing" in reasons[4]  # home A is a nursing home
    assert reasons[5].startswith("started_at:")  # no offset
    assert "answered_at is before started_at" in reasons[6]
    assert "nhs_number" in reasons[7] and "escalations" in reasons[7]
    assert "1234567890" not in reasons[7]  # values are not echoed
    assert "2 fields, expected 15" in reasons[8]
    assert summary.imported == 1 and summary.created_sites == ["VNEW1"]

    wrong_header = tmp_path / "header.csv"
    wrong_header.write_text("call_id,site\nX,Y\n")
    refused = await run_import(db, ImportKind.CALLS, wrong_header)
    assert not refused.written and refused.errors[0].line == 1
    assert "missing column(s)" in refused.errors[0].reason


GOLD = "VGOLD,own_home,gold_line,2026-10-01T03:00:00Z,,,,pain,district_nurse,community_contact"


async def test_a_gold_line_row_carries_its_outcome_checked_as_at_wrap_up(
    db: Database, world: World, tmp_path: Path, call_reading: None
) -> None:
    header = ",".join(CallRow.columns())
    rows = [
        f"G1,{GOLD},district_nurse,,no,no,district_nurses",
        f"G2,{GOLD},district_nurse,,no,no,",  # a Gold Line call without its outcome
        "G3,VGOLD,own_home,home_patient,2026-10-01T03:00:00Z,,,,pain,district_nurse,"
        "community_contact,district_nurse,,no,no,district_nurses",  # not a Gold Line call
        f"G4,{GOLD},district_nurse,,no,no,ambulance",  # ambulance goes with 999 only
        f"G5,{GOLD},district_nurse,,no,no,prayer",
    ]
    path = tmp_path / "gold.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    before = await _snapshot(db)
    refused = await run_import(db, ImportKind.CALLS, path)
    assert not refused.written and await _snapshot(db) == before
    reasons = {e.line: e.reason for e in refused.errors}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert reasons[3] == "gold_line_outcome: Select the Gold Line outcome: what the call led to"
    assert reasons[4] == "gold_line_outcome: Only a Gold Line call records a Gold Line outcome"
    assert reasons[5].startswith("gold_line_outcome: Ambulance goes with the disposition")
    assert reasons[6].startswith("gold_line_outcome:")

    path.write_text("\n".join([header, rows[0]]) + "\n")
    assert (await run_import(db, ImportKind.CALLS, path)).imported == 1
    async with db.engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT gold_line_outcome FROM call WHERE external_id = 'G1'"))
        ).scalar_one()
    assert stored == "district_nurses"


async def test_activity_and_sites_are_updated_not_duplicated(
    db: Database, world: World, tmp_path: Path
) -> None:
    await run_import(db, ImportKind.SITES, SITES)
    await run_import(db, ImportKind.ACTIVITY, ACTIVITY)
    changed = tmp_path / "activity.csv"
    changed.write_text(
        "site_ods,month,ed_attendances,emergency_admissions,bed_days,residents\n"
        "VHOMA,2026-10,7,5,35,38\nVHOMA,2026-11,1,1,1,38\nVZZZ9,2026-10,1,1,1,1\n"
    )
    summary = await run_import(db, ImportKind.ACTIVITY, changed, skip_invalid=True)
    assert (summary.imported, summary.updated, summary.skipped) == (1, 1, 1)
    assert "import sites first" in summary.errors[0].reason
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "site_ods,name,site_kind,beds,commissioner_ods,go_live\n"
        "VRES1,Rowan House,care_home_residential,22,QAA,2026-06-01\n"
        "VNEW2,New Home,care_home_nursing,10,QNEW,\n"
    )
    summary = await run_import(db, ImportKind.SITES, sites)
    assert (summary.imported, summary.updated) == (1, 1) and summary.created_sites == ["QNEW"]


async def test_the_hub_admin_uploads_a_file_and_others_cannot(
    client: TestClient, world: World
) -> None:
    await sign_in(client, world.admin.username)
    page = await client.get("/admin/imports")
    assert page.status == 200 and 'enctype="multipart/form-data"' in await page.text()
    form = FormData()
    form.add_field("kind", "sites")
    form.add_field("file", SITES.read_bytes(), filename="sites.csv", content_type="text/csv")
    uploaded = await client.post("/admin/imports", data=form)
    assert uploaded.status == 200
    assert "3 rows read; 3 imported" in await uploaded.text()
    api = await client.post("/api/imports?kind=calls", data=CALLS.read_bytes())
    assert api.status == 200 and (await api.json())["imported"] == 20
    again = await client.post("/api/imports?kind=calls", data=CALLS.read_bytes())
    assert (await again.json())["already_present"] == 20
    await sign_in(client, world.commissioner_user_a.username)
    assert (await client.post("/api/imports?kind=calls", data=b"x")).status == 403
    assert (await client.get("/admin/imports")).status == 403


def test_the_cli_imports_and_reports(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}

    def telehub(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert telehub("db", "upgrade").returncode == 0
    sites = tmp_path / "sites.csv"  # the worked example's sites and the test world's home A
    sites.write_text(SITES.read_text() + "VHOMA,Home A,care_home_nursing,40,QAA,2025-01-01\n")
    for kind, path in (("sites", sites), ("calls", CALLS), ("activity", ACTIVITY)):
        done = telehub("import", kind, str(path))
        assert done.returncode == 0, done.stderr
    again = telehub("import", "calls", str(CALLS))
    assert "0 imported, 20 already present, 0 skipped" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(CALLS.read_text().replace("C07,VHOMA", "C07,VHOMA!"))
    refused = telehub("import", "calls", str(bad))
    assert refused.returncode == 1 and "line 8: site_ods" in refused.stderr
    out = tmp_path / "qaa.csv"
    report = telehub("report", "monthly", "--month", "2026-10", "--commissioner", "QAA",
                     "--format", "csv-long", "--out", str(out))  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "2026-10,QAA,totals,,avoided.admission.confirmed,<8" in out.read_text()
    env["HUB_REPORT_SUPPRESS_SMALL_NUMBERS"] = "false"  # a data-sharing agreement
    report = telehub("report", "monthly", "--month", "2026-10", "--commissioner", "QAA",
                     "--format", "csv-long", "--out", str(out))  # fmt: skip
    assert "2026-10,QAA,totals,,avoided.admission.confirmed,3" in out.read_text()
    tables = telehub("report", "monthly", "--month", "2026-10", "--commissioner", "QAA",
                     "--format", "csv")  # fmt: skip
    assert "table: sites" in tables.stdout and "2026-10,QAA,VHOMA,Home A," in tables.stdout
    assert telehub("report", "monthly", "--month", "2026-10").returncode == 2
