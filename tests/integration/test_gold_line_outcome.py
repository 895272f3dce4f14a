"""A Gold Line call's wrap-up records what the call led to: required for a Gold Line call,
refused for any other, and consistent with the disposition where one fits; it is stored on
the call in the same close as the rest of the outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from hub.clock import london_month
from hub.storage.engine import Database
from hub.storage.tables import Call, CallParticipant
from schemas.codes import CallState, Channel, HomeIntent, Reason
from support.world import World, sign_in

STARTED = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
RECORD = {
    "disposition": "district_nurse",
    "nurse_counterfactual": "community_contact",
    "clinical_note": "Breakthrough pain; DN to give just in case medicine.",
}


async def _in_wrap_up(db: Database, world: World, channel: Channel) -> str:
    call_id = str(uuid.uuid4())
    async with db.session() as s:
        s.add(
            Call(
                id=call_id,
                site_id=world.home_a.site.id or 0,
                person_id=world.home_a.resident.id,
                channel=channel.value,
                reason=Reason.PAIN.value,
                home_intent=HomeIntent.DISTRICT_NURSE.value,
                state=CallState.WRAP_UP.value,
                started_at=STARTED,
                answered_at=STARTED + timedelta(minutes=1),
                ended_at=STARTED + timedelta(minutes=9),
                local_month=london_month(STARTED),
                nurse_id=world.nurse.id,
            )
        )
        await s.flush()
        s.add(
            CallParticipant(
                call_id=call_id,
                key=f"user:{world.nurse.id}",
                user_id=world.nurse.id,
                role="nurse",
                name=world.nurse.display_name,
                joined_at=STARTED + timedelta(minutes=1),
            )
        )
    return call_id


async def _stored(db: Database, call_id: str) -> Call:
    async with db.session() as s:
        call = await s.get(Call, call_id, populate_existing=True)
    assert call is not None
    return call


async def test_a_gold_line_call_closes_only_with_a_fitting_outcome(
    client: TestClient, world: World, db: Database
) -> None:
    await sign_in(client, world.nurse.username)
    call_id = await _in_wrap_up(db, world, Channel.GOLD_LINE)
    url = f"/api/calls/{call_id}/outcome"
    missing = await client.post(url, json=RECORD)
    assert missing.status == 422 and (await missing.json())["field"] == "gold_line_outcome"
    unfitting = await client.post(url, json={**RECORD, "gold_line_outcome": "ambulance"})
    assert unfitting.status == 422 and (await unfitting.json())["field"] == "gold_line_outcome"
    assert (await _stored(db, call_id)).state == CallState.WRAP_UP
    done = await client.post(url, json={**RECORD, "gold_line_outcome": "district_nurses"})
    assert done.status in (200, 201), await done.text()
    stored = await _stored(db, call_id)
    assert (stored.state, stored.gold_line_outcome) == (CallState.CLOSED, "district_nurses")


async def test_the_hospice_goes_with_any_disposition_and_other_calls_record_none(
    client: TestClient, world: World, db: Database
) -> None:
    await sign_in(client, world.nurse.username)
    gold = await _in_wrap_up(db, world, Channel.GOLD_LINE)
    hospice = {**RECORD, "disposition": "palliative_support", "gold_line_outcome": "hospice"}
    assert (await client.post(f"/api/calls/{gold}/outcome", json=hospice)).status in (200, 201)
    care_home = await _in_wrap_up(db, world, Channel.CARE_HOME)
    url = f"/api/calls/{care_home}/outcome"
    refused = await client.post(url, json={**RECORD, "gold_line_outcome": "district_nurses"})
    assert refused.status == 422
    assert (await client.post(url, json=RECORD)).status in (200, 201)
    assert (await _stored(db, care_home)).gold_line_outcome is None


async def test_the_outcome_is_on_the_call_record_and_in_the_history(
    client: TestClient, world: World, db: Database
) -> None:
    await sign_in(client, world.nurse.username)
    call_id = await _in_wrap_up(db, world, Channel.GOLD_LINE)
    body = {**RECORD, "gold_line_outcome": "district_nurses"}
    assert (await client.post(f"/api/calls/{call_id}/outcome", json=body)).status in (200, 201)
    label = "Passed to the district nurses"

    record = await client.get(f"/api/calls/{call_id}/record")
    assert (await record.json())["gold_line_outcome"] == "district_nurses"
    page = await client.get(f"/console/calls/{call_id}")
    assert page.status == 200 and label in await page.text()

    history = await client.get("/api/call-history")
    rows = {row["id"]: row for row in await history.json()}
    assert rows[call_id]["gold_line_outcome"] == "district_nurses"
    assert label in await (await client.get("/console/history")).text()
