"""In Chromium: a clinical lead, who has no live console (no call queue), opens a person's
page from a call's record, reads their summary and palliative register outside any call,
puts them on the register, records their death and corrects it (a new version with a
reason, the first kept); the page passes the axe check, and every read and change is in the
audit trail as the lead's."""

from __future__ import annotations

import re

from playwright.async_api import expect
from sqlmodel import col, select

from hub.keys import DATABASE
from hub.storage.scope import SYSTEM
from hub.storage.tables import AuditEvent, Death
from schemas.api import UserCreate
from schemas.codes import Role
from support.browser import DESKTOP, OpenPage, axe_violations
from support.hub import RunningHub
from support.world import PASSWORD


async def test_a_clinical_lead_edits_the_register_on_the_persons_page(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    lead = await live_hub.services.identity.add_user(
        SYSTEM,
        UserCreate(
            username="lead.page",
            display_name="Lead Page",
            role=Role.CLINICAL_LEAD,
            organisation_ods=world.hub.ods_code,
            password=PASSWORD,
        ),
    )
    person_id = world.home_a.resident.id
    page = await open_page(
        lead.username, f"/console/calls/{world.home_a.call.id}", viewport=DESKTOP
    )
    await page.locator("#person-link").click()
    await expect(page).to_have_url(re.compile(f"/console/people/{person_id}$"))
    await expect(page.locator("#person-summary")).to_contain_text(world.home_a.resident.nhs_number)
    assert await page.locator("#queue").count() == 0  # no call queue here

    card = page.locator("#palliative-card")
    await expect(card.locator("#register-version")).to_have_text("Not on the register yet.")
    await card.locator("#register-change summary").click()
    await card.locator("#register-preferred_place_of_death").select_option("home")
    await card.locator("#register-joined_on").fill("2026-09-01")
    await card.locator("#register-save").click()
    await expect(card.locator("#register-version")).to_contain_text("Version 1, by Lead Page")

    await card.locator("#register-death-record summary").click()
    await card.locator("#death-date").fill("2026-10-30")
    await card.locator("#death-place").select_option("hospital")
    await card.locator("#death-save").click()
    await expect(card.locator("#register-death")).to_have_text("Died 2026-10-30, Hospital")

    await card.locator("#register-death-record summary").click()  # now: correct it
    await card.locator("#death-place").select_option("hospice")
    await card.locator("#death-save").click()  # no reason: refused, nothing saved
    await expect(card.locator("#register-problem")).to_be_visible()
    await expect(card.locator("#register-death")).to_have_text("Died 2026-10-30, Hospital")
    await card.locator("#register-death-record summary").click()
    await card.locator("#death-place").select_option("hospice")
    await card.locator("#death-reason").fill("Place entered wrongly")
    await card.locator("#death-save").click()
    await expect(card.locator("#register-death")).to_contain_text("Died 2026-10-30, Hospice")
    await expect(card.locator("#register-death-history")).to_contain_text(
        "Earlier death records (1)"
    )
    assert await axe_violations(page) == []

    async with live_hub.app[DATABASE].session() as s:
        deaths = (await s.exec(select(Death).order_by(col(Death.version)))).all()
        audit = (
            await s.exec(
                select(AuditEvent.action, AuditEvent.target_type).where(
                    AuditEvent.person_id == person_id, AuditEvent.actor == f"user:{lead.id}"
                )
            )
        ).all()
    assert [(d.version, d.place) for d in deaths] == [(1, "hospital"), (2, "hospice")]
    assert ("read", "person_summary") in audit and ("read", "palliative_register") in audit
    for action in ("palliative_register_change", "death_record", "death_correction"):
        assert (action, "palliative_register") in audit
