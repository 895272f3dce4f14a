"""A full working day in miniature (a call with its concern and observations, messages,
resident searches by name and NHS number, the history filtered by resident, a wrap-up and
its record) leaves no NHS number, name or clinical free text in the log: the access log
included, which by default writes every query string."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from hub.settings import HubSettings
from support.calls import CALL
from support.hub import RunningHub, running_hub
from support.world import NOW, World, sign_in

CONCERN = "Mrs Greenwood more confused since the fall on Tuesday"
MESSAGE = "Her daughter Philippa asked for a call back about the bruising"
REPLY = "Ring 01632 960123 after the ward round"
NOTE = "Haematoma left temple, GCS 15, neuro obs hourly overnight"
AMENDMENT = "Daughter informed of the plan by telephone"


@pytest.fixture
async def hub(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    async with running_hub(settings, world, NOW) as running:  # as `telehub serve` logs
        yield running


async def test_a_days_work_leaves_no_patient_data_in_the_log(
    hub: RunningHub, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the level `telehub serve` logs at
    caplog.set_level(logging.DEBUG, logger="hub")  # and the hub's own, to the last detail
    resident = world.home_a.resident
    tablet = await hub.device()
    nurse = await hub.staff(world.nurse)
    await nurse.command("queue/subscribe")
    call = await tablet.command(
        "call/start",
        **{**CALL, "concern": CONCERN, "caller_name": "Carer Philippa Stone"},
        client_call_id="log-1",
        person_id=resident.id,
    )
    await nurse.command("call/accept", call_id=call["id"])
    await tablet.command(
        "message/send", client_message_id="log-m1", body=MESSAGE, call_id=call["id"]
    )
    await nurse.command(
        "message/send", site_id=world.home_a.site.id, client_message_id="log-m2", body=REPLY
    )
    await nurse.command("call/end", call_id=call["id"])

    async with TestClient(hub.server) as staff, TestClient(hub.server) as carer:
        await sign_in(staff, world.nurse.username)
        await sign_in(carer, world.home_a.staff.username)
        for q in (resident.family_name, resident.given_name, resident.nhs_number):
            assert (await carer.get("/api/residents", params={"q": q})).status == 200
        for path in ("/console/history", "/api/call-history"):
            searched = await staff.get(path, params={"resident": resident.nhs_number})
            assert searched.status == 200
        wrap_up = f"/api/calls/{call['id']}/wrap-up"
        answers = {
            "disposition": "managed_in_place",
            "nurse_counterfactual": "admission",
            "escalations": ["gp_contacted"],
            "clinical_note": NOTE,
        }
        assert (await staff.put(wrap_up, json={**answers, "revision": 0})).status == 200
        assert (await staff.post(f"/api/calls/{call['id']}/outcome", json=answers)).status == 201
        amended = await staff.post(
            f"/api/calls/{call['id']}/amendments",
            json={"field": "clinical_note", "new_value": AMENDMENT, "reason": "late entry"},
        )
        assert amended.status == 201, await amended.text()
        assert (await staff.get(f"/console/calls/{call['id']}")).status == 200

    lines = [record.getMessage() for record in caplog.records]
    assert any("/api/residents" in line for line in lines)  # the access log was written
    said = "\n".join(lines).lower()
    secrets = [
        resident.nhs_number,
        resident.given_name,
        resident.family_name,
        "Philippa",
        "Greenwood",
        CONCERN,
        MESSAGE,
        REPLY,
        "01632",
        NOTE,
        AMENDMENT,
    ]
    leaked = [s for s in secrets if s.lower() in said]
    assert leaked == [], [line for line in lines if any(s.lower() in line.lower() for s in leaked)]
