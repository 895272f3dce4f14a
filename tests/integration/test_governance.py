"""The information-governance lead (a hub administrator) reads the audit trail: who read
which person's record when, filtered by person, user and day, as a page and as CSV that
opens safely in a spreadsheet. Nobody else may, and reading the trail is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.clock import LONDON, as_utc
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent
from support.world import World, sign_in


async def _reads_by_nurse_and_specialist(client: TestClient, world: World) -> None:
    resident_a, resident_b = world.home_a.resident, world.home_b.resident
    await sign_in(client, world.nurse.username)
    assert (await client.get(f"/api/residents/{resident_a.id}")).status == 200
    assert (await client.get(f"/api/calls/{world.home_a.call.id}")).status == 200
    assert (await client.get(f"/api/residents/{resident_b.id}")).status == 200
    assert (await client.get("/api/calls/=HYPERLINK(%22x%22)")).status == 404
    await client.post("/api/auth/logout")
    await sign_in(client, world.specialist.username)
    assert (await client.get(f"/api/residents/{resident_a.id}/summary")).status == 200
    await client.post("/api/auth/logout")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_admin_sees_who_read_a_persons_record_and_downloads_it(
    client: TestClient, db: Database, world: World
) -> None:
    await _reads_by_nurse_and_specialist(client, world)
    resident_a = world.home_a.resident
    await sign_in(client, world.admin.username)

    page = await client.get(f"/admin/audit?person={resident_a.id}")
    assert page.status == 200
    html = await page.text()
    assert world.nurse.display_name in html and world.specialist.display_name in html
    assert html.count('data-seq="') == 3  # the nurse's two reads, the specialist's one

    download = await client.get(f"/admin/audit.csv?person={resident_a.id}")
    assert download.status == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = _csv(await download.text())
    assert {(r["actor_username"], r["action"], r["target_type"]) for r in rows} == {
        (world.nurse.username, "read", "person"),
        (world.nurse.username, "read", "call"),
        (world.specialist.username, "read", "person_summary"),
        (world.admin.username, "audit_trail_read", ""),  # the page just read, about her
    }
    assert {r["person_id"] for r in rows} == {str(resident_a.id)}

    by_nurse = _csv(
        await (await client.get(f"/admin/audit.csv?user={world.nurse.username}")).text()
    )
    assert by_nurse and {r["actor"] for r in by_nurse} == {f"user:{world.nurse.id}"}
    refused = [r for r in by_nurse if r["outcome"] == "refused"]
    assert [r["target_id"] for r in refused] == ['\'=HYPERLINK("x")'], "not a formula"

    tomorrow = (db_now := (await _latest(db))).astimezone(LONDON).date() + timedelta(days=1)
    later = await client.get(f"/admin/audit.csv?from={tomorrow.isoformat()}")
    assert _csv(await later.text()) == []
    today = db_now.astimezone(LONDON).date().isoformat()
    same_day = _csv(
        await (
            await client.get(f"/admin/audit.csv?person={resident_a.id}&from={today}&to={today}")
        ).text()
    )
    assert len(same_day) == 5  # three reads, and the admin's page and CSV of them

    async with db.session() as s:
        seen = (
            await s.exec(select(AuditEvent).where(AuditEvent.action == "audit_trail_read"))
        ).all()
    assert {(r.actor, r.detail["shown_as"] if r.detail else None) for r in seen} == {
        (f"user:{world.admin.id}", "page"),
        (f"user:{world.admin.id}", "csv"),
    }
    assert any(r.person_id == resident_a.id for r in seen)

    bad = await client.get("/admin/audit?from=yesterday")
    assert bad.status == 200 and "from must be a date" in await bad.text()


async def _latest(db: Database) -> datetime:
    async with db.session() as s:
        row = (await s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()))).first()
    assert row is not None
    return as_utc(row.at)


async def test_only_a_hub_admin_reads_the_trail_and_refusals_are_audited(
    client: TestClient, db: Database, world: World
) -> None:
    for user in (world.nurse, world.specialist, world.home_a.staff, world.commissioner_user_a):
        await sign_in(client, user.username)
        assert (await client.get("/admin/audit")).status == 403
        assert (await client.get("/admin/audit.csv")).status == 403
        await client.post("/api/auth/logout")
    async with db.session() as s:
        refused = (await s.exec(select(AuditEvent).where(AuditEvent.action == "refused"))).all()
    assert len(refused) == 8
    assert {r.detail["where"] for r in refused if r.detail} == {
        "GET /admin/audit",
        "GET /admin/audit.csv",
    }
