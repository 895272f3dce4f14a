"""A wrap-up draft saved before a code was retired (``call_failed_technical``, issue 18
item 7) reads back without it, saying so, so the nurse chooses what happened clinically and
can close the call; the hub never picks a disposition for her, and a draft that names a
code the hub no longer knows at all is read back the same way, never as a server error. A
draft can no longer be saved with a disposition that is not clinical."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.storage.engine import Database
from hub.storage.tables import Outcome, WrapUpDraft
from support.calls import call_in_wrap_up
from support.world import NOW, World, sign_in

SAVED = {
    "disposition": "call_failed_technical",
    "nurse_counterfactual": "admission",
    "escalations": ["gp_contacted"],
    "clinical_note": "Video failed; finished by phone: chest clear, obs 4-hourly.",
}


async def _saved_before_the_upgrade(db: Database, world: World, answers: dict[str, Any]) -> str:
    call_id = await call_in_wrap_up(db, world, started=NOW)
    async with db.session() as s:  # the row as an older hub wrote it, codes unchecked
        s.add(
            WrapUpDraft(
                call_id=call_id, user_id=world.nurse.id or 0, answers=answers, updated_at=NOW
            )
        )
    return call_id


async def test_a_retired_disposition_in_a_saved_draft_is_dropped_with_a_note(
    client: TestClient, db: Database, world: World
) -> None:
    call_id = await _saved_before_the_upgrade(db, world, SAVED)
    await sign_in(client, world.nurse.username)

    response = await client.get(f"/api/calls/{call_id}/wrap-up")
    assert response.status == 200, await response.text()
    draft = await response.json()
    assert draft["answers"]["disposition"] is None  # not silently a clinical one
    kept = {
        k: draft["answers"][k] for k in ("nurse_counterfactual", "escalations", "clinical_note")
    }
    assert kept == {k: SAVED[k] for k in kept}
    assert draft["missing"] == ["disposition"]
    [note] = draft["notes"]
    assert "Call failed (technical)" in note and "choose what happened clinically" in note

    closed = await client.post(
        f"/api/calls/{call_id}/outcome", json={**SAVED, "disposition": "gp_followup"}
    )
    assert closed.status == 201, await closed.text()
    async with db.session() as s:
        outcome = await s.get(Outcome, call_id)
        assert outcome is not None and outcome.disposition == "gp_followup"


@pytest.mark.parametrize(
    ("stored", "note"),
    [
        ({"disposition": "no_such_code"}, "Your saved disposition is no longer one"),
        ({"escalations": ["no_such_code", "gp_contacted"]}, "One of your saved escalations"),
        ({"retired_question": True}, "Your saved retired question is no longer one"),
    ],
)
async def test_a_code_the_hub_no_longer_knows_is_dropped_with_a_note_not_a_500(
    client: TestClient, db: Database, world: World, stored: dict[str, Any], note: str
) -> None:
    call_id = await _saved_before_the_upgrade(
        db, world, {**SAVED, "disposition": "gp_followup", **stored}
    )
    await sign_in(client, world.nurse.username)
    response = await client.get(f"/api/calls/{call_id}/wrap-up")
    assert response.status == 200, await response.text()
    draft = await response.json()
    [shown] = draft["notes"]
    assert shown.startswith(note), shown
    answers = draft["answers"]
    assert (answers["clinical_note"], answers["escalations"]) == (
        SAVED["clinical_note"],
        ["gp_contacted"],  # only the unknown item goes
    )


async def test_a_draft_cannot_be_saved_with_a_disposition_that_is_not_clinical(
    client: TestClient, db: Database, world: World
) -> None:
    call_id = await call_in_wrap_up(db, world, started=NOW)
    await sign_in(client, world.nurse.username)
    refused = await client.put(f"/api/calls/{call_id}/wrap-up", json={**SAVED, "revision": 0})
    assert refused.status == 422
    assert (await refused.json())["field"] == "disposition"
    async with db.session() as s:
        assert await s.get(WrapUpDraft, (call_id, world.nurse.id)) is None
