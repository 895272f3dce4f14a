"""The monthly report's prison section: escorts avoided (claimed, confirmed by the 72-hour
follow-up, unverified), the share helped there and then, appointments held and missed and
the time from booking, per prison and for the area, in every format; no money line while
no published unit cost of an escort is known."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.clock import FakeClock, london_month
from hub.reports.engine import ReportService
from hub.reports.hub_wide import hub_wide
from hub.reports.prisons import NO_ESCORT_COST
from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Appointment, Call, ClinicSession, ClinicSlot, Organisation
from schemas.codes import OrganisationKind
from schemas.reports import MonthlyReportQuery
from support.hub import HubServer
from support.world import NOW, World, sign_in

MONTH = london_month(NOW)  # 2026-11
AT = NOW + timedelta(days=3)

# (prison_intent, escort_needed, ed_72h, admitted_72h, disposition)
CALLS = [
    ("escorted_ed", False, "no", "no", "managed_in_place"),  # avoided, confirmed
    ("escorted_ed", False, "no", "no", "gp_followup"),  # avoided, confirmed
    ("bed_watch_admission", False, "unknown", "no", "managed_in_place"),  # unverified
    ("escorted_outpatient", False, "yes", "no", "managed_in_place"),  # refuted
    ("escorted_ed", True, "yes", "no", "ed_self_present"),  # escort needed: no claim
    ("managed_in_prison", False, "no", "no", "managed_in_place"),  # helped, no escort expected
]


@pytest.fixture
async def prison(db: Database, world: World) -> Organisation:
    async with db.session() as s:
        site = rows.site(
            "VPRIS", "HMP Test", commissioner=world.commissioner_a, kind=OrganisationKind.PRISON,
            at=NOW, beds=None,
        )  # fmt: skip
        s.add(site)
        await s.flush()
        prisoner = rows.resident(
            site, nhs_number="9434765889", given_name="J", family_name="P",
            date_of_birth=NOW.date().replace(year=1980), at=NOW,
        )  # fmt: skip
        s.add(prisoner)
        await s.flush()
        for intent, escort, ed, admitted, disposition in CALLS:
            s.add(
                Call(
                    id=str(uuid.uuid4()),
                    site_id=site.id or 0,
                    person_id=prisoner.id,
                    channel="prison_urgent",
                    reason="chest_pain",
                    home_intent="unknown",
                    prison_intent=intent,
                    escort_needed=escort,
                    ed_within_72h=ed,
                    admitted_within_72h=admitted,
                    disposition=disposition,
                    nurse_counterfactual="ed_attendance",
                    state="closed",
                    started_at=AT,
                    local_month=MONTH,
                )  # fmt: skip
            )
        clinic = ClinicSession(
            specialty="Dermatology", clinician_id=world.specialist.id or 0, day=AT.date(),
            created_by="cli", created_at=NOW,
        )  # fmt: skip
        s.add(clinic)
        await s.flush()
        for n, status in enumerate(["held", "held", "held", "did_not_attend", "cancelled"]):
            start = AT + timedelta(minutes=20 * n)
            slot = ClinicSlot(
                clinic_id=clinic.id or 0, starts_at=start, ends_at=start + timedelta(minutes=20)
            )
            s.add(slot)
            await s.flush()
            s.add(
                Appointment(
                    slot_id=slot.id or 0,
                    clinic_id=clinic.id or 0,
                    person_id=prisoner.id or 0,
                    site_id=site.id or 0,
                    status=status,
                    starts_at=start,
                    booked_by="cli",
                    booked_at=start - timedelta(days=6),
                )  # fmt: skip
            )
    return site


@pytest.fixture
async def hub(settings: HubSettings, world: World) -> AsyncIterator[TestClient]:
    """The admin, on a hub set up without small-number suppression (a data-sharing
    agreement), so the counts read exactly."""
    exact = settings.model_copy(update={"report_suppress_small_numbers": False})
    async with TestClient(HubServer(create_app(exact))) as client:
        await sign_in(client, world.admin.username)
        yield client


async def _report(client: TestClient, fmt: str) -> str:
    response = await client.get(
        "/api/reports/monthly", params={"month": MONTH, "commissioner": "QAA", "format": fmt}
    )
    assert response.status == 200, await response.text()
    return (await response.read()).decode()


async def test_the_report_counts_escorts_avoided_and_clinics_per_prison(
    hub: TestClient, prison: Organisation
) -> None:
    client = hub
    report = json.loads(await _report(client, "json"))
    section = report["prisons"]
    assert [r["ods"] for r in section["prisons"]] == ["VPRIS"]
    total = section["total"]
    assert total["urgent_calls"] == 6
    assert total["escort_expected"] == 5
    assert total["escorts_avoided_claimed"] == 4
    assert total["escorts_avoided_confirmed"] == 2
    assert total["escorts_avoided_unverified"] == 1
    assert total["helped_there_and_then"] == 5 and total["recorded_calls"] == 6
    assert total["share_helped"] == pytest.approx(5 / 6, abs=0.001)
    assert total["appointments_held"] == 3 and total["appointments_did_not_attend"] == 1
    assert total["did_not_attend_rate"] == 0.25
    assert total["mean_days_booking_to_appointment"] == 6.0
    assert section["escort_money_gbp"] is None
    assert section["escort_cost"] == NO_ESCORT_COST

    tables = await _report(client, "csv")
    block = tables.split("table: prisons", 1)[1].strip().split("\n\n", 1)[0]
    parsed = list(csv.DictReader(io.StringIO(block.strip())))
    assert parsed[0]["site_ods"] == "VPRIS" and parsed[0]["escorts_avoided_confirmed"] == "2"
    assert parsed[-1]["site_name"] == "All prisons"

    fhir = json.loads(await _report(client, "fhir"))
    escort = next(g for g in fhir["group"] if g["code"]["coding"][0]["code"] == "escort")
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in escort["population"]}
    assert counts == {"initial-population": 6, "numerator": 4, "confirmed": 2, "unverified": 1}

    page = await _report(client, "html")
    assert 'id="prisons"' in page and "HMP Test" in page and NO_ESCORT_COST[:40] in page
    pdf = await client.get(
        "/api/reports/monthly", params={"month": MONTH, "commissioner": "QAA", "format": "pdf"}
    )
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")


async def test_an_area_without_prisons_has_no_prison_section(hub: TestClient) -> None:
    client = hub
    report = json.loads(await _report(client, "json"))
    assert report["prisons"] is None
    assert "table: prisons" not in await _report(client, "csv")


async def test_a_suppressed_report_hides_the_small_counts_and_what_is_made_from_them(
    client: TestClient, world: World, prison: Organisation, settings: HubSettings
) -> None:
    assert settings.report_suppress_small_numbers  # the default
    await sign_in(client, world.admin.username)
    report = json.loads(await _report(client, "json"))
    total = report["prisons"]["total"]
    assert total["escorts_avoided_claimed"] == "<8"
    assert total["share_helped"] is None and total["did_not_attend_rate"] is None


@pytest.mark.parametrize("suppress", [False, True])
async def test_the_hub_wide_report_gives_each_commissioner_its_prison_section(
    db: Database, prison: Organisation, suppress: bool
) -> None:
    settings = HubSettings(environment="test", report_suppress_small_numbers=suppress)
    service = ReportService(db, FakeClock(NOW), settings)
    hub = await hub_wide(service, SYSTEM, MONTH)
    by_code = {r.commissioner: r for r in hub.reports}
    own = await service.monthly(SYSTEM, MonthlyReportQuery(month=MONTH, commissioner="QAA"))
    assert own.prisons is not None
    assert by_code["QAA"].prisons == own.prisons  # as the single report, suppressed alike
    assert by_code["QAA"] == own
    assert by_code["QBB"].prisons is None  # an area without a prison has no section
    if not suppress:
        assert by_code["QAA"].prisons.total.escorts_avoided_confirmed == 2  # type: ignore[union-attr]
