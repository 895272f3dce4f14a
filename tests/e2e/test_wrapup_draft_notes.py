"""In real Chromium: a nurse whose saved wrap-up draft holds the retired disposition
``call_failed_technical`` sees her notes back, no disposition chosen and a note saying why,
chooses what happened clinically and closes the call."""

from __future__ import annotations

from playwright.async_api import expect

from hub.storage.engine import Database
from hub.storage.tables import Call, WrapUpDraft
from support.browser import DESKTOP, OpenPage
from support.calls import call_in_wrap_up
from support.hub import RunningHub
from support.world import NOW

NOTE = "Video failed; finished by phone: chest clear, obs 4-hourly."


async def test_a_draft_with_a_retired_disposition_says_so_and_the_call_closes(
    open_page: OpenPage, live_hub: RunningHub, db: Database
) -> None:
    world = live_hub.world
    call_id = await call_in_wrap_up(db, world, started=NOW)
    async with db.session() as s:  # saved before the upgrade that retired the code
        s.add(
            WrapUpDraft(
                call_id=call_id,
                user_id=world.nurse.id or 0,
                answers={
                    "disposition": "call_failed_technical",
                    "nurse_counterfactual": "admission",
                    "clinical_note": NOTE,
                },
                updated_at=NOW,
            )
        )

    nurse = await open_page(world.nurse.username, "/console", viewport=DESKTOP)
    await expect(nurse.locator("#clinical_note")).to_have_value(NOTE)
    notes = nurse.locator("#draft-notes")
    await expect(notes).to_be_visible()
    await expect(notes).to_contain_text("Call failed (technical), is no longer a clinical")
    await expect(nurse.locator('input[name="disposition"]:checked')).to_have_count(0)
    await expect(nurse.locator("#nurse_counterfactual-admission")).to_be_checked()

    await nurse.check("#disposition-gp_followup")
    await nurse.click("#wrapup-submit")
    await expect(nurse.locator("#last-outcome")).to_contain_text("Record saved")
    await expect(notes).to_be_hidden()
    async with db.session() as s:
        stored = await s.get(Call, call_id)
        assert stored is not None and stored.disposition == "gp_followup"
