"""Who may change a closed call's clinical record: the nurse who closed it, or a clinical
lead. A hub administrator, a specialist and another nurse are refused, and every refusal is in
the audit trail. The 72-hour follow-up, which moves the commissioners' figures, is recorded by
a hub nurse or a clinical lead, never by an administrator."""

from __future__ import annotations

import uuid
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.auth.service import IdentityService
from hub.clock import SystemClock, london_month
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Amendment, AuditEvent, Call, FollowUpTask, Outcome, User
from schemas.api import UserCreate
from schemas.codes import CallState, Channel, HomeIntent, Reason, Role
from support.world import NOW, PASSWORD, World, sign_in

AMEND = {"field": "disposition", "new_value": "gp_followup", "reason": "GP visited after"}


async def _closed_call(db: Database, world: World) -> tuple[str, int]:
    """A call of home A's resident that the nurse closed, with its follow-up due."""
    call_id = str(uuid.uuid4())
    started = NOW - timedelta(days=5)
    async with db.session() as s:
        s.add(
            Call(
                id=call_id,
                site_id=world.home_a.site.id or 0,
                person_id=world.home_a.resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.FALL_NO_INJURY.value,
                home_intent=HomeIntent.AMBULANCE_999.value,
                state=CallState.CLOSED.value,
                started_at=started,
                answered_at=started + timedelta(minutes=1),
                ended_at=started + timedelta(minutes=10),
                closed_at=started + timedelta(minutes=12),
                local_month=london_month(started),
                nurse_id=world.nurse.id,
                disposition="managed_in_place",
                nurse_counterfactual="ed_attendance",
            )
        )
        await s.flush()
        s.add(
            Outcome(
                call_id=call_id,
                disposition="managed_in_place",
                nurse_counterfactual="ed_attendance",
                clinical_note="Seen on video; no injury.",
                recorded_by=world.nurse.id or 0,
                recorded_at=started + timedelta(minutes=12),
            )
        )
        task = FollowUpTask(call_id=call_id, due_at=started + timedelta(hours=72))
        s.add(task)
        await s.flush()
        assert task.id is not None
        return call_id, task.id


async def _staff(settings: HubSettings, db: Database, username: str, role: Role) -> User:
    body = UserCreate(
        username=username,
        display_name=username.replace(".", " ").title(),
        role=role,
        organisation_ods="HUB01",
        password=PASSWORD,
    )
    return await IdentityService(db, SystemClock(), settings).add_user(SYSTEM, body)


async def _refusals(db: Database, where: str) -> list[AuditEvent]:
    async with db.session() as s:
        rows = (
            await s.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "refused")
                .order_by(col(AuditEvent.id))
            )
        ).all()
    return [r for r in rows if r.detail and r.detail["where"] == where]


async def test_only_the_nurse_who_closed_it_or_a_clinical_lead_amends_a_record(
    client: TestClient, settings: HubSettings, db: Database, world: World
) -> None:
    call_id, _ = await _closed_call(db, world)
    other_nurse = await _staff(settings, db, "nurse.two", Role.HUB_NURSE)
    lead = await _staff(settings, db, "lead.one", Role.CLINICAL_LEAD)
    url = f"/api/calls/{call_id}/amendments"

    refused_users = (world.admin, world.specialist, other_nurse)
    for user in refused_users:
        await sign_in(client, user.username)
        response = await client.post(url, json=AMEND)
        assert response.status == 403, (user.username, await response.text())
        page = await client.get(f"/console/calls/{call_id}")
        assert page.status == 200 and 'id="amend-disposition' not in await page.text()
        await client.post("/api/auth/logout")
    refused = await _refusals(db, "POST /api/calls/{call_id}/amendments")
    assert [r.actor for r in refused] == [f"user:{u.id}" for u in refused_users]
    assert {(r.target_id, r.person_id) for r in refused} == {(call_id, world.home_a.resident.id)}

    await sign_in(client, other_nurse.username)  # the console form is refused the same way
    form = await client.post(
        f"/console/calls/{call_id}/amendments", data=AMEND, allow_redirects=False
    )
    assert form.status == 403
    assert len(await _refusals(db, "POST /console/calls/{call_id}/amendments")) == 1
    await client.post("/api/auth/logout")

    await sign_in(client, world.nurse.username)
    page = await client.get(f"/console/calls/{call_id}")
    assert 'id="amend-disposition' in await page.text()
    assert (await client.post(url, json=AMEND)).status == 201
    await client.post("/api/auth/logout")
    await sign_in(client, lead.username)
    assert (await client.get(f"/console/calls/{call_id}")).status == 200
    again = {"field": "clinical_note", "new_value": "Daughter informed.", "reason": "omitted"}
    assert (await client.post(url, json=again)).status == 201

    async with db.session() as s:
        amendments = (await s.exec(select(Amendment).where(Amendment.call_id == call_id))).all()
        amended = (await s.exec(select(AuditEvent).where(AuditEvent.action == "call_amend"))).all()
    assert {a.recorded_by for a in amendments} == {world.nurse.id, lead.id}
    assert {(r.actor, r.person_id, r.outcome) for r in amended} == {
        (f"user:{world.nurse.id}", world.home_a.resident.id, "ok"),
        (f"user:{lead.id}", world.home_a.resident.id, "ok"),
    }


async def test_a_hub_admin_cannot_record_a_follow_up_but_a_clinical_lead_can(
    client: TestClient, settings: HubSettings, db: Database, world: World
) -> None:
    call_id, task_id = await _closed_call(db, world)
    lead = await _staff(settings, db, "lead.one", Role.CLINICAL_LEAD)
    answers = {"ed_within_72h": "no", "admitted_within_72h": "no"}

    await sign_in(client, world.admin.username)
    assert (await client.post(f"/api/follow-ups/{task_id}", json=answers)).status == 403
    form = await client.post(f"/console/follow-ups/{task_id}", data=answers, allow_redirects=False)
    assert form.status == 403
    await client.post("/api/auth/logout")
    async with db.session() as s:
        call = await s.get(Call, call_id)
        assert call is not None and call.ed_within_72h == "unknown", "figures unchanged"
    refused = await _refusals(db, "POST /api/follow-ups/{task_id}")
    assert [(r.actor, r.target_type, r.target_id) for r in refused] == [
        (f"user:{world.admin.id}", "follow_up", str(task_id))
    ]

    await sign_in(client, lead.username)
    done = await client.post(f"/api/follow-ups/{task_id}", json=answers)
    assert done.status == 200, await done.text()
    async with db.session() as s:
        call = await s.get(Call, call_id, populate_existing=True)
        assert call is not None and call.ed_within_72h == "no"
