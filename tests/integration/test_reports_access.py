"""Who may open a report: commissioners see only their own area, hub staff any area,
care-home users none; the API serves each format to those allowed."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from hub.errors import Forbidden
from hub.storage.engine import Database
from hub.storage.scope import Scope
from schemas.codes import Role
from support.reports import (
    CALLS_TOTAL,
    FIELDS,
    MONTH,
    load_worked_example,
    monthly_report,
)
from support.world import World, sign_in


async def test_commissioners_see_only_their_area_and_homes_see_none(
    db: Database, world: World
) -> None:
    await load_worked_example(db)
    own = Scope(
        role=Role.COMMISSIONER,
        organisation_id=world.commissioner_a.id or 0,
        user_id=world.commissioner_user_a.id,
    )
    assert (await monthly_report(db, own)).commissioner == "QAA"  # their own area by default
    with pytest.raises(Forbidden):
        await monthly_report(db, own, commissioner="QBB")
    with pytest.raises(Forbidden):
        await monthly_report(db, own, site="VHOMB")
    home = Scope(role=Role.CARE_HOME_STAFF, organisation_id=world.home_a.site.id or 0)
    with pytest.raises(Forbidden):
        await monthly_report(db, home, commissioner="QAA")


async def test_the_api_serves_each_format_to_those_allowed(
    client: TestClient, db: Database, world: World
) -> None:
    await load_worked_example(db)
    await sign_in(client, world.commissioner_user_a.username)
    url = f"/api/reports/monthly?month={MONTH}&commissioner=QAA"
    response = await client.get(url)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["totals"]["calls"] == CALLS_TOTAL
    assert body["sites"][0].keys() >= {"ods", "site_kind", "calls", "avoided"}
    # A commissioner's report has small numbers suppressed by default (method §6).
    assert body["disclosure"]["suppressed"] is True
    assert body["totals"]["avoided"]["admission"] == dict.fromkeys(FIELDS, "<8")
    for fmt, media in (
        ("csv", "text/csv"),
        ("csv-long", "text/csv"),
        ("fhir", "application/fhir+json"),
    ):
        got = await client.get(f"{url}&format={fmt}")
        assert got.status == 200 and got.content_type == media
        assert "attachment" in got.headers["Content-Disposition"]
    assert (await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QBB")).status == 403
    assert (await client.get("/api/reports/monthly?month=2026-13")).status == 422
    page = await client.get(f"/reports?month={MONTH}")
    assert page.status == 200
    assert "Commissioner A: October 2026" in await page.text()
    assert (await client.get(f"/reports?month={MONTH}&commissioner=QBB")).status == 403


async def test_care_home_staff_cannot_open_reports(client: TestClient, world: World) -> None:
    await sign_in(client, world.home_a.staff.username)
    for path in (f"/api/reports/monthly?month={MONTH}&commissioner=QAA", "/reports"):
        assert (await client.get(path)).status == 403


async def test_hub_staff_can_open_any_area_and_a_pdf(
    client: TestClient, db: Database, world: World
) -> None:
    await load_worked_example(db)
    await sign_in(client, world.nurse.username)
    got = await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QBB")
    assert got.status == 200
    assert (await got.json())["totals"]["calls"] == "<8"  # home B's one call (C20), suppressed
    pdf = await client.get(f"/api/reports/monthly?month={MONTH}&commissioner=QAA&format=pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
