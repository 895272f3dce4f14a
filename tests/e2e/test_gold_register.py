"""In Chromium: a hub nurse accepts a Gold Line call and sees the person's palliative register
beside the video, changes it (a new version; the old one stays readable), records the death,
and wraps the call up with its Gold Line outcome; the page passes the axe check. Every read
and change is in the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import expect
from sqlmodel import col, select

from hub.keys import DATABASE
from hub.storage.tables import AuditEvent, Call, PalliativeEntry, Person
from schemas.codes import CallerRelationship
from support.browser import DESKTOP, OpenPage, axe_violations
from support.hub import RunningHub
from support.tablet import own_home_site
from telehub_client import HubConnection

PATIENT_NHS = "9434765927"  # own_home_site's patient


async def _gold_line_call(live_hub: RunningHub, ods: str) -> dict[str, Any]:
    credential = await live_hub.device_credential(
        site_ods=ods,
        label="Daughter's tablet",
        person_nhs_number=PATIENT_NHS,
        relationship=CallerRelationship.CARER,
    )

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    device = await HubConnection.open(live_hub.url, auth)
    live_hub.opened.append(device)
    return await device.command(
        "call/start",
        client_call_id=str(uuid.uuid4()),
        channel="gold_line",
        reason="pain",
        home_intent="district_nurse",
    )


async def test_the_register_is_edited_beside_a_gold_line_call_and_keeps_its_history(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    ods, _patient = await own_home_site(live_hub)
    nurse = await open_page(world.nurse.username, "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    call = await _gold_line_call(live_hub, ods)
    await nurse.locator(f'#queue [data-call-id="{call["id"]}"] button[data-accept]').click()

    card = nurse.locator("#palliative-card")
    await expect(card).to_be_visible()
    await expect(card.locator("#register-version")).to_have_text("Not on the register yet.")

    # Put the person on the register.
    await card.locator("#register-change summary").click()
    await card.locator("#register-preferred_place_of_death").select_option("home")
    await card.locator("#register-respect_status").select_option("dnacpr")
    await card.locator("#register-anticipatory_medicines").select_option("yes")
    await card.locator("#register-gp_practice").fill("Holycroft Surgery")
    await card.locator("#register-joined_on").fill("2026-09-01")
    await card.locator("#register-save").click()
    await expect(card.locator("#register-version")).to_contain_text("Version 1, by")
    current = card.locator("#register-current")
    await expect(current.locator('[data-field="preferred_place_of_death"]')).to_have_text("Home")
    await expect(current.locator('[data-field="gp_practice"]')).to_have_text("Holycroft Surgery")

    # Change it: a second version; the first is still there to read.
    await card.locator("#register-change summary").click()
    await card.locator("#register-preferred_place_of_death").select_option("hospice")
    await card.locator("#register-save").click()
    await expect(card.locator("#register-version")).to_contain_text("Version 2, by")
    await expect(current.locator('[data-field="preferred_place_of_death"]')).to_have_text(
        "Hospice"
    )
    history = card.locator("#register-history")
    await expect(history).to_contain_text("Earlier versions (1)")
    await history.locator("summary").click()
    await expect(history).to_contain_text("Version 1")
    await expect(history).to_contain_text("Preferred place of death: Home")

    # Record the death against the register.
    await card.locator("#register-death-record summary").click()
    await card.locator("#death-date").fill("2026-10-30")
    await card.locator("#death-place").select_option("hospice")
    await card.locator("#death-save").click()
    await expect(card.locator("#register-death")).to_have_text("Died 2026-10-30, Hospice")

    await card.locator("#register-change summary").click()  # the form open, for the check
    assert await axe_violations(nurse) == []

    # The wrap-up asks what the Gold Line call led to; a mismatch with the disposition is
    # refused, naming it; a fitting one closes the call with it.
    await nurse.keyboard.press("Shift+E")
    await expect(nurse.locator("#call-state")).to_have_text("Wrap-up")
    await expect(nurse.locator("#group-gold_line_outcome")).to_be_visible()
    await nurse.check("#disposition-district_nurse")
    await nurse.check("#nurse_counterfactual-community_contact")
    await nurse.fill("#clinical_note", "Breakthrough pain; district nurse to visit.")
    await nurse.check("#gold_line_outcome-ambulance")
    await nurse.click("#wrapup-submit")
    await expect(nurse.locator("#wrapup-errors")).to_contain_text("Ambulance goes with")
    assert await axe_violations(nurse) == []
    await nurse.check("#gold_line_outcome-district_nurses")
    await nurse.click("#wrapup-submit")
    await expect(nurse.locator("#last-outcome")).to_contain_text("Record saved")

    async with live_hub.app[DATABASE].session() as s:
        person = (await s.exec(select(Person).where(Person.nhs_number == PATIENT_NHS))).one()
        versions = (
            await s.exec(select(PalliativeEntry).where(PalliativeEntry.person_id == person.id))
        ).all()
        audit = (
            await s.exec(
                select(AuditEvent.action).where(
                    AuditEvent.person_id == person.id,
                    col(AuditEvent.target_type) == "palliative_register",
                )
            )
        ).all()
    assert sorted((v.version, v.preferred_place_of_death) for v in versions) == [
        (1, "home"),
        (2, "hospice"),
    ]
    assert audit.count("palliative_register_change") == 2
    assert "death_record" in audit and "read" in audit
    async with live_hub.app[DATABASE].session() as s:
        closed = await s.get(Call, call["id"])
    assert closed is not None and closed.state == "closed"
    assert (closed.disposition, closed.gold_line_outcome) == ("district_nurse", "district_nurses")
