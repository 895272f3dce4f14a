"""Every read of a person's data and every refusal leaves an audit row: who, which person or
call, what, and whether it was refused. The rows hold ids and codes, never names, NHS numbers
or free text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.clock import london_month
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Call, CallEvent, FollowUpTask, Photo
from schemas.codes import CallState, Channel, HomeIntent, Reason
from support.hub import running_hub
from support.world import NOW, PASSWORD, World, sign_in
from telehub_client import CommandFailed

STARTED = NOW - timedelta(hours=80)


async def _rows(db: Database, since_id: int = 0) -> Sequence[AuditEvent]:
    async with db.session() as s:
        return (
            await s.exec(
                select(AuditEvent).where(col(AuditEvent.id) > since_id).order_by(col(AuditEvent.id))
            )
        ).all()


async def _last_id(db: Database) -> int:
    rows = await _rows(db)
    return rows[-1].id or 0 if rows else 0


async def _one(db: Database, since_id: int, **match: object) -> AuditEvent:
    """The one row written since ``since_id`` that matches every field given."""
    found = [
        r for r in await _rows(db, since_id) if all(getattr(r, k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (match, [r.model_dump() for r in await _rows(db, since_id)])
    return found[0]


def _private_words(world: World) -> list[str]:
    words = ["secret concern", "Penicillin", "Carer Anne", "hello from home"]
    for home in (world.home_a, world.home_b):
        words += [home.resident.nhs_number, home.resident.given_name, home.resident.family_name]
    return words


async def _assert_nothing_private(db: Database, world: World) -> None:
    for row in await _rows(db):
        text = json.dumps(row.model_dump(mode="json"))
        for word in _private_words(world):
            assert word not in text, (word, text)


async def _wrap_up_call(db: Database, world: World) -> tuple[str, int]:
    """A call of home A's resident that the nurse has ended and not yet wrapped up, with a
    follow-up task due; returns the call id and the task id."""
    call_id = str(uuid.uuid4())
    async with db.session() as s:
        s.add(
            Call(
                id=call_id,
                site_id=world.home_a.site.id or 0,
                person_id=world.home_a.resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.BREATHING_DIFFICULTY.value,
                home_intent=HomeIntent.AMBULANCE_999.value,
                state=CallState.WRAP_UP.value,
                started_at=STARTED,
                queued_at=STARTED,
                answered_at=STARTED + timedelta(seconds=60),
                ended_at=STARTED + timedelta(minutes=9),
                local_month=london_month(STARTED),
                nurse_id=world.nurse.id,
                caller_name="Carer Anne",
            )
        )
        await s.flush()
        s.add(CallEvent(call_id=call_id, at=STARTED, kind="state", to_state="requested"))
        task = FollowUpTask(call_id=call_id, due_at=STARTED + timedelta(hours=72))
        s.add(task)
        await s.flush()
        assert task.id is not None
        return call_id, task.id


async def test_every_http_read_of_a_persons_data_is_audited_with_ids_only(
    client: TestClient, db: Database, world: World
) -> None:
    nurse = f"user:{world.nurse.id}"
    call_a, resident_a = world.home_a.call, world.home_a.resident
    wrap_call, task_id = await _wrap_up_call(db, world)
    async with db.session() as s:
        photo = Photo(
            site_id=world.home_a.site.id or 0,
            content_type="image/png",
            size=4,
            data=b"\x89PNG",
            uploaded_by=f"user:{world.home_a.staff.id}",
            created_at=NOW,
        )
        s.add(photo)
        await s.flush()
        photo_id = photo.id
    await sign_in(client, world.nurse.username)

    before = await _last_id(db)
    response = await client.get("/api/calls")
    assert response.status == 200
    row = await _one(db, before, action="call_search")
    assert row.actor == nurse and row.outcome == "ok"
    assert row.detail is not None and call_a.id in row.detail["call_ids"]

    before = await _last_id(db)
    response = await client.get(f"/api/calls?resident={resident_a.id}")
    assert response.status == 200
    row = await _one(db, before, action="call_search")
    assert row.person_id == resident_a.id

    before = await _last_id(db)
    assert (await client.get(f"/api/photos/{photo_id}")).status == 200
    row = await _one(db, before, action="read", target_type="photo")
    assert row.target_id == str(photo_id) and row.actor == nurse

    before = await _last_id(db)
    assert (await client.get("/api/follow-ups")).status == 200
    row = await _one(db, before, action="follow_up_list")
    assert row.detail is not None and wrap_call in row.detail["call_ids"]

    before = await _last_id(db)
    assert (await client.get(f"/api/calls/{wrap_call}/wrap-up")).status == 200
    row = await _one(db, before, action="read", target_type="wrap_up")
    assert (row.target_id, row.person_id, row.actor) == (wrap_call, resident_a.id, nurse)

    before = await _last_id(db)
    assert (await client.get(f"/api/calls/{call_a.id}")).status == 200
    row = await _one(db, before, action="read", target_type="call")
    assert (row.target_id, row.person_id) == (call_a.id, resident_a.id)

    before = await _last_id(db)
    assert (await client.get(f"/api/calls/{call_a.id}/record")).status == 200
    row = await _one(db, before, action="read", target_type="call_record")
    assert row.person_id == resident_a.id

    before = await _last_id(db)
    assert (await client.get(f"/api/residents/{resident_a.id}/summary")).status == 200
    row = await _one(db, before, action="read", target_type="person_summary")
    assert row.person_id == resident_a.id
    assert task_id  # the task is on the worklist read above
    await _assert_nothing_private(db, world)


async def test_refused_reads_and_failed_sign_ins_are_audited(
    client: TestClient, db: Database, world: World
) -> None:
    staff_a = f"user:{world.home_a.staff.id}"
    call_b, resident_b = world.home_b.call, world.home_b.resident

    before = await _last_id(db)
    response = await client.post(
        "/api/auth/login", json={"username": world.nurse.username, "password": "wrong " + PASSWORD}
    )
    assert response.status == 401
    row = await _one(db, before, action="sign_in")
    assert (row.outcome, row.target_type, row.target_id) == (
        "refused",
        "user",
        str(world.nurse.id),
    )

    await sign_in(client, world.home_a.staff.username)
    before = await _last_id(db)
    assert (await client.get(f"/api/calls/{call_b.id}")).status == 404
    row = await _one(db, before, action="refused")
    assert (row.actor, row.outcome, row.target_type, row.target_id) == (
        staff_a,
        "refused",
        "call",
        call_b.id,
    )
    assert row.person_id == resident_b.id, "whose record was tried for"
    assert row.detail == {"where": "GET /api/calls/{call_id}", "code": "not_found"}

    before = await _last_id(db)
    assert (await client.get(f"/api/residents/{resident_b.id}")).status == 404
    row = await _one(db, before, action="refused")
    assert (row.target_type, row.person_id) == ("person", resident_b.id)

    before = await _last_id(db)
    assert (await client.get(f"/api/calls/{call_b.id}/record")).status == 403  # hub only
    row = await _one(db, before, action="refused")
    assert row.detail == {"where": "GET /api/calls/{call_id}/record", "code": "forbidden"}
    assert row.person_id == resident_b.id

    await client.post("/api/auth/logout")
    await sign_in(client, world.commissioner_user_a.username)
    before = await _last_id(db)
    assert (await client.get("/api/calls")).status == 403
    row = await _one(db, before, action="refused")
    assert row.actor == f"user:{world.commissioner_user_a.id}"
    await _assert_nothing_private(db, world)


async def test_websocket_reads_and_refusals_are_audited(
    settings: HubSettings, db: Database, world: World
) -> None:
    async with running_hub(settings, world, NOW) as hub:
        nurse = await hub.staff(world.nurse)
        before = await _last_id(db)
        await nurse.command("call/get", call_id=world.home_a.call.id)
        row = await _one(db, before, action="read", target_type="call")
        assert (row.actor, row.person_id) == (f"user:{world.nurse.id}", world.home_a.resident.id)

        before = await _last_id(db)
        await nurse.command("queue/subscribe")
        await _one(db, before, action="queue_read", actor=f"user:{world.nurse.id}")

        before = await _last_id(db)
        await nurse.command("message/sync", after_seq=0)
        row = await _one(db, before, action="read", target_type="thread")
        assert row.detail == {"after_seq": 0, "results": 2}

        tablet = await hub.device("VHOMA")
        before = await _last_id(db)
        with pytest.raises(CommandFailed) as refused:
            await tablet.command("call/get", call_id=world.home_b.call.id)
        assert refused.value.code == "not_found"
        row = await _one(db, before, action="refused")
        assert row.actor.startswith("device:") and row.outcome == "refused"
        assert (row.target_type, row.target_id, row.person_id) == (
            "call",
            world.home_b.call.id,
            world.home_b.resident.id,
        )
        assert row.detail == {"where": "call/get", "code": "not_found"}

        before = await _last_id(db)
        with pytest.raises(CommandFailed):
            await tablet.command("queue/subscribe")
        row = await _one(db, before, action="refused")
        assert row.detail == {"where": "queue/subscribe", "code": "forbidden"}

        before = await _last_id(db)

        async def wrong_credential() -> dict[str, str]:
            return {"type": "auth", "credential": "not-a-credential"}

        from telehub_client import HubConnection

        with pytest.raises(CommandFailed):
            await HubConnection.open(hub.url, wrong_credential)
        row = await _one(db, before, action="device_sign_in")
        assert row.outcome == "refused"
    await _assert_nothing_private(db, world)
