"""The console's clinic pages, through their forms: a specialist creates a clinic; a slot is
booked by site and NHS number (a number that fails its check digit, or that no one at that
site has, is refused on the page, the second audited as a refusal); a booked slot cannot be
booked twice; did-not-attend waits for the slot's start; cancel frees the slot."""

from __future__ import annotations

import re
from datetime import date, timedelta

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.storage.engine import Database
from hub.storage.tables import Appointment, AuditEvent
from support.world import World, sign_in

DAY = date.today() + timedelta(days=30)  # the client's hub runs on the real clock


async def _clinic(client: TestClient, world: World) -> str:
    made = await client.post(
        "/console/clinics",
        data={
            "specialty": "Dermatology",
            "clinician_id": str(world.specialist.id),
            "day": DAY.isoformat(),
            "starts_at": "10:00",
            "slot_minutes": "20",
            "slots": "2",
        },
        allow_redirects=False,
    )
    assert made.status == 303, await made.text()
    location = made.headers["Location"]
    assert re.fullmatch(r"/console/clinics/\d+", location)
    return location


async def _slots(client: TestClient, page: str) -> list[str]:
    html = await (await client.get(page)).text()
    return re.findall(r'data-slot-id="(\d+)"', html)


async def test_booking_by_nhs_number_at_a_site(
    client: TestClient, world: World, db: Database
) -> None:
    await sign_in(client, world.specialist.username)
    page = await _clinic(client, world)
    first, second = await _slots(client, page)
    resident = world.home_a.resident
    book = f"{page}/bookings"

    def form(slot: str, nhs: str, site: int | None) -> dict[str, str]:
        return {"slot_id": slot, "nhs_number": nhs, "site_id": str(site)}

    bad = await client.post(book, data=form(first, "943 476 5880", world.home_a.site.id))
    assert bad.status == 422
    assert "not a valid NHS number" in await bad.text()

    elsewhere = await client.post(book, data=form(first, resident.nhs_number, world.home_b.site.id))
    assert elsewhere.status == 404
    assert "No one with this NHS number is registered at this site" in await elsewhere.text()
    async with db.session() as s:
        refused = (await s.exec(select(AuditEvent).where(AuditEvent.action == "refused"))).all()
    assert any((e.detail or {}).get("where", "").endswith("/bookings") for e in refused), (
        "the refused booking is in the audit trail"
    )

    spaced = f"{resident.nhs_number[:3]} {resident.nhs_number[3:6]} {resident.nhs_number[6:]}"
    booked = await client.post(
        book, data=form(first, spaced, world.home_a.site.id), allow_redirects=False
    )
    assert booked.status == 303 and booked.headers["Location"] == f"{page}?done=booked"
    html = await (await client.get(f"{page}?done=booked")).text()
    assert "Slot booked." in html and f"{resident.given_name} {resident.family_name}" in html
    assert spaced in html

    again = await client.post(book, data=form(first, resident.nhs_number, world.home_a.site.id))
    assert again.status == 409 and "already booked" in await again.text()

    async with db.session() as s:
        appointment = (
            await s.exec(select(Appointment).where(Appointment.person_id == resident.id))
        ).one()
    clinic_id = page.rsplit("/", 1)[1]
    change = f"/console/clinics/{clinic_id}/appointments/{appointment.id}"
    early = await client.post(f"{change}/did-not-attend", data={})
    assert early.status == 409 and "after its start" in await early.text()
    moved = await client.post(f"{change}/rebook", data={"slot_id": second}, allow_redirects=False)
    assert moved.status == 303
    async with db.session() as s:
        now_in = (
            await s.exec(
                select(Appointment).where(
                    Appointment.person_id == resident.id, Appointment.status == "booked"
                )
            )
        ).one()
    assert str(now_in.slot_id) == second
    cancelled = await client.post(
        f"/console/clinics/{clinic_id}/appointments/{now_in.id}/cancel",
        data={},
        allow_redirects=False,
    )
    assert cancelled.status == 303
    html = await (await client.get(page)).text()
    assert html.count(">Free<") == 2  # both slots free again
