"""The access-control matrix over HTTP: every route, called by every kind of caller, aimed
at the caller's own care home (A) and at another (B). The expected answers are written out
in tests/support/access_matrix.py; a route the app has and the table does not fails the
test, and so does any answer that differs from the table."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import delete
from sqlmodel import col, select

from hub.http.access import SESSION_COOKIE
from hub.http.csrf import CSRF_HEADER, csrf_token
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import (
    Appointment,
    ClinicSlot,
    Death,
    FollowUpTask,
    PalliativeEntry,
)
from support.access_matrix import CALLERS, ROUTES
from support.walk import (
    PNG,
    Matrix,
    Target,
    app_routes,
    build_matrix,
    home_b_markers,
    matrix_cell,
    on_sqlite_only,
    unthrottled,
)
from support.world import PASSWORD, World


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    """The walk signs in, and tries enrolment codes, dozens of times from one address: the
    rate limits are not what it checks (tests/integration/test_throttling.py does)."""
    return unthrottled(settings)


def _route_keys(app: web.Application) -> list[str]:
    return [f"{method} {path}" for method, path in app_routes(app)]


def _fill(path: str, t: Target) -> str:
    h = t.home
    values = {
        "person_id": h.resident.id,
        "call_id": h.call.id,
        "site_id": h.site.id,
        "device_id": t.device_id,
        "user_id": t.user_id,
        "task_id": t.task_id,
        "photo_id": t.photo_id,
        "appointment_id": t.appointment_id,
        "clinic_id": t.clinic_id,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _nhs_number(serial: int) -> str:
    """A valid NHS number (modulus 11) that no one in the world has."""
    for n in range(serial * 20, serial * 20 + 20):
        digits = [int(c) for c in f"{400000000 + n:09d}"]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError("no NHS number in range")


def _request(m: Matrix, key: str, t: Target) -> dict[str, Any]:
    """The keyword arguments of a well-formed request for ``key`` aimed at ``t``."""
    n = next(m.serial)
    h = t.home
    month = "2026-11"
    queries = {
        "GET /api/residents": {"site": h.site.id},
        "GET /api/calls": {"site": h.site.id},
        "GET /api/call-history": {"site": h.site.id},
        "GET /api/appointments": {"site": h.site.id},
        "GET /console/history": {"site": h.site.id},
        "GET /api/reports/monthly": {"month": month, "commissioner": t.commissioner_ods},
        "GET /reports": {"month": month, "commissioner": t.commissioner_ods},
        "GET /api/reports/hub": {"month": month},
        "GET /reports/hub": {"month": month},
        "POST /api/imports": {"kind": "sites"},
    }
    bodies: dict[str, Any] = {
        "POST /api/auth/login": {"username": m.world.nurse.username, "password": PASSWORD},
        "POST /api/users": {
            "username": f"matrix.{n}",
            "display_name": "Matrix",
            "role": "care_home_staff",
            "organisation_ods": h.site.ods_code,
            "password": "a long enough password",
        },
        "POST /api/devices": {"site_ods": h.site.ods_code, "label": f"Tablet {n}"},
        "POST /api/devices/enrol": {"enrolment_code": "not-a-real-code"},
        "POST /api/devices/signin": {"credential": "x" * 40},
        "POST /api/residents": {
            "nhs_number": _nhs_number(n),
            "given_name": "Matrix",
            "family_name": f"Person{n}",
            "date_of_birth": "1940-01-01",
            "site_id": h.site.id,
        },
        "PUT /api/calls/{call_id}/wrap-up": {"revision": 0, "clinical_note": "draft"},
        "POST /api/calls/{call_id}/outcome": {
            "disposition": "managed_in_place",
            "nurse_counterfactual": "admission",
            "clinical_note": "note",
        },
        "POST /api/calls/{call_id}/amendments": {
            "field": "clinical_note",
            "new_value": f"amended {n}",
            "reason": "typo",
        },
        "POST /api/follow-ups/{task_id}": {"ed_within_72h": "no", "admitted_within_72h": "no"},
        "POST /api/residents/{person_id}/palliative": {
            "preferred_place_of_death": "home",
            "joined_on": "2026-01-05",
            "base_version": t.register_version,
        },
        "POST /api/residents/{person_id}/death": {"died_on": "2026-10-01", "place": "home"},
        "POST /api/residents/{person_id}/death/corrections": {
            "died_on": "2026-10-02",
            "place": "hospice",
            "reason": "wrong day and place",
            "base_version": 1,
        },
        "POST /api/clinics": {
            "specialty": "Dermatology",
            "clinician_id": m.world.specialist.id,
            "day": (date.today() + timedelta(days=30)).isoformat(),
            "starts_at": "10:00",
            "slot_minutes": 15,
            "slots": 2,
        },
    }
    if key == "POST /api/appointments":  # a free slot each time: a booked one is a conflict
        bodies[key] = {"slot_id": m.free_slots.pop(), "person_id": h.resident.id}
    elif key == "POST /api/appointments/{appointment_id}/rebook":
        bodies[key] = {"slot_id": m.free_slots.pop()}
    forms: dict[str, Any] = {
        "POST /login": {"username": m.world.nurse.username, "password": PASSWORD},
        "POST /console/calls/{call_id}/amendments": {
            "field": "clinical_note",
            "new_value": f"amended {n}",
            "reason": "typo",
        },
        "POST /console/follow-ups/{task_id}": {"ed_within_72h": "no", "admitted_within_72h": "no"},
        "POST /console/clinics": {
            "specialty": "Dermatology",
            "clinician_id": m.world.specialist.id,
            "day": (date.today() + timedelta(days=30)).isoformat(),
            "starts_at": "10:00",
            "slot_minutes": "15",
            "slots": "2",
        },
    }
    if key == "POST /console/clinics/{clinic_id}/bookings":
        forms[key] = {
            "slot_id": m.free_slots.pop(),
            "site_id": h.site.id,
            "nhs_number": h.resident.nhs_number,
        }
    elif key == "POST /console/clinics/{clinic_id}/appointments/{appointment_id}/rebook":
        forms[key] = {"slot_id": m.free_slots.pop()}
    kwargs: dict[str, Any] = {"params": queries.get(key)}
    if key in bodies:
        kwargs["json"] = bodies[key]
    elif key in forms:
        kwargs["data"] = forms[key]
    elif key in ("POST /api/photos", "POST /admin/imports"):
        form = aiohttp.FormData()
        if key == "POST /api/photos":
            form.add_field("photo", PNG, filename="p.png", content_type="image/png")
        else:
            form.add_field("kind", "sites")
            form.add_field("file", b"", filename="empty.csv", content_type="text/csv")
        kwargs["data"] = form
    elif key == "POST /api/imports":
        kwargs["data"] = b""
    return kwargs


LAST = ("POST /api/auth/logout",)  # it ends the caller's session


async def _booked(m: Matrix, t: Target) -> int:
    """A fresh appointment of ``t``'s resident, in a slot that has just started (so it can
    be cancelled, moved or marked did-not-attend)."""
    started = datetime.now(UTC) - timedelta(minutes=5)
    async with m.db.session() as s:
        slot = ClinicSlot(
            clinic_id=m.clinic_id, starts_at=started, ends_at=started + timedelta(minutes=15)
        )
        s.add(slot)
        await s.flush()
        appointment = Appointment(
            slot_id=slot.id or 0,
            live_slot_id=slot.id,
            clinic_id=m.clinic_id,
            person_id=t.home.resident.id or 0,
            site_id=t.home.site.id or 0,
            status="booked",
            starts_at=started,
            booked_by="cli",
            booked_at=started,
        )
        s.add(appointment)
        await s.flush()
        return appointment.id or 0


SITE_BOUND = ("commissioner", "care_home_staff", "device")


async def _answer(client: TestClient, m: Matrix, caller: str, key: str, t: Target) -> str:
    method, path = key.split(" ", 1)
    if "{task_id}" in path:  # a fresh task each time: recording one twice is a conflict
        async with m.db.session() as s:
            task = FollowUpTask(call_id=t.home.call.id, due_at=t.home.call.started_at)
            s.add(task)
            await s.flush()
            t.task_id = task.id or 0
    if "{appointment_id}" in path:  # a fresh one each time: a cancelled one stays cancelled
        t.appointment_id = await _booked(m, t)
    if key.startswith("POST") and path.endswith(("/palliative", "/death", "/corrections")):
        await _register_as_it_is(m, t, death=path.endswith("/corrections"))
    home = client.make_url("/")
    headers = {"Origin": f"{home.scheme}://{home.authority}"}  # as the hub's own pages send
    if caller != "anonymous":
        headers["Cookie"] = f"{SESSION_COOKIE}={m.sessions[caller]}"
        headers[CSRF_HEADER] = csrf_token(m.sessions[caller])
    client.session.cookie_jar.clear()
    response = await client.request(
        method, _fill(path, t), headers=headers, allow_redirects=False, **_request(m, key, t)
    )
    text = (await response.read()).decode(errors="replace")
    client.session.cookie_jar.clear()
    if t is m.other and caller in SITE_BOUND:
        leaked = [marker for marker in home_b_markers(m.world) if marker in text]
        assert not leaked, f"{key} showed {caller} home B's {leaked} ({response.status})"
    return str(response.status)


async def _register_as_it_is(m: Matrix, t: Target, *, death: bool = False) -> None:
    """Each change of the register is made on its current version, and each death recorded
    afresh (a second record of one death is a conflict, not an access rule); a correction
    (``death``) corrects a first record, made here."""
    person_id = t.home.resident.id
    async with m.db.session() as s:
        versions = (
            await s.exec(
                select(PalliativeEntry.version).where(PalliativeEntry.person_id == person_id)
            )
        ).all()
        t.register_version = max(versions, default=0)
        await s.exec(delete(Death).where(col(Death.person_id) == person_id))
        if death and person_id is not None:
            s.add(
                Death(
                    person_id=person_id,
                    died_on=date(2026, 10, 1),
                    place="home",
                    source="console",
                    recorded_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
                )
            )


async def _observed_routes(client: TestClient, m: Matrix, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (k in LAST, k)):  # signing out comes last
        cells = []
        for caller in CALLERS:
            own = await _answer(client, m, caller, key, m.own)
            other = await _answer(client, m, caller, key, m.other)
            cells.append(matrix_cell(own, other))
        found[key] = " ".join(cells)
    return found


async def test_every_route_answers_every_caller_as_the_matrix_says(
    client: TestClient, world: World, db: Database, backend: str
) -> None:
    on_sqlite_only(backend)
    app = client.server.app
    keys = _route_keys(app)
    assert set(keys) == set(ROUTES), (
        f"routes without a row in access_matrix.ROUTES: {sorted(set(keys) - set(ROUTES))}; "
        f"rows for routes the app no longer has: {sorted(set(ROUTES) - set(keys))}"
    )
    found = await _observed_routes(client, await build_matrix(client, world, db), keys)
    wrong = {k: (ROUTES[k], v) for k, v in found.items() if ROUTES[k] != v}
    assert not wrong, "answers that differ from access_matrix.ROUTES (expected, got):\n" + (
        "\n".join(f"  {k!r}: {e!r} != {g!r}" for k, (e, g) in wrong.items())
    )
