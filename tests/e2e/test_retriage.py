"""One-key re-triage (issue 17 item 1) in real Chromium: a nurse on a waiting call's queue
card raises its priority with one key; it is recorded and audited, and every console's queue
re-orders. The key respects the "single-key shortcuts" setting (WCAG 2.1.4)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect
from sqlmodel import select

from hub.keys import DATABASE
from hub.storage.tables import AuditEvent, Call, CallEvent
from schemas.codes import Role
from support.browser import DESKTOP, OpenPage, axe_violations
from support.calls import call_request
from support.hub import RunningHub
from support.world import _user

WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
LOW = {"reason": "fall_no_injury", "observations": None, "soft_signs": [], "concern": "Slipped"}


async def _console(open_page: OpenPage, username: str) -> Page:
    page = await open_page(username, "/console", viewport=DESKTOP)
    await expect(page.locator("#connection")).to_have_text("Connected to the hub")
    return page


async def _priority(live_hub: RunningHub, call_id: str) -> int:
    async with live_hub.app[DATABASE].session() as s:
        call = await s.get(Call, call_id, populate_existing=True)
        assert call is not None
        return call.priority


async def test_a_nurse_retriages_the_focused_card_with_one_key_and_every_queue_reorders(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    async with live_hub.app[DATABASE].session() as s:
        s.add(_user("nurse.two", Role.HUB_NURSE, live_hub.world.hub))
    tablet = await live_hub.device()
    first = (await tablet.command("call/start", **call_request(live_hub, 1, **LOW)))["id"]
    live_hub.clock.advance(timedelta(seconds=30))  # the first has waited longer: it is on top
    second = (await tablet.command("call/start", **call_request(live_hub, 2, **LOW)))["id"]
    assert await _priority(live_hub, first) == await _priority(live_hub, second) == 1

    nurse = await _console(open_page, "nurse.one")
    other = await _console(open_page, "nurse.two")
    for page in (nurse, other):
        await expect(page.locator("#queue > li").first).to_have_attribute("data-call-id", first)

    # The nurse reads the home's message on the second card and raises it with "U".
    await nurse.locator(f'#queue [data-call-id="{second}"] button[data-accept]').focus()
    await nurse.keyboard.press("u")
    await expect(nurse.locator("#alert")).to_contain_text("now medium priority")
    for page in (nurse, other):
        top = page.locator("#queue > li").first
        await expect(top).to_have_attribute("data-call-id", second)
        await expect(top).to_have_class(re.compile(r"console-priority-2"))
    await expect(
        nurse.locator(f'#queue [data-call-id="{second}"] button[data-accept]')
    ).to_be_focused()
    assert await _priority(live_hub, second) == 2

    async with live_hub.app[DATABASE].session() as s:
        events = (
            await s.exec(
                select(CallEvent).where(CallEvent.call_id == second, CallEvent.kind == "retriaged")
            )
        ).all()
        audits = (
            await s.exec(select(AuditEvent).where(AuditEvent.action == "call_retriage"))
        ).all()
    assert [e.detail for e in events] == [{"priority_before": 1, "priority_after": 2}]
    assert [(a.target_id, a.actor) for a in audits] == [(second, f"user:{live_hub.world.nurse.id}")]

    # With single-key shortcuts off, "U" does nothing; back on, "L" lowers it one step: so
    # the priority ends at low only if the "U" pressed while off changed nothing.
    await nurse.locator("#shortcuts-toggle").click()
    await expect(nurse.locator("#shortcuts")).to_contain_text("Re-triage the queue card")
    assert await axe_violations(nurse, tags=WCAG) == []
    await nurse.locator("#single-key-shortcuts").uncheck()
    await nurse.locator(f'#queue [data-call-id="{second}"] button[data-accept]').focus()
    await nurse.keyboard.press("u")
    await nurse.locator("#single-key-shortcuts").check()
    await nurse.locator(f'#queue [data-call-id="{second}"] button[data-accept]').focus()
    await nurse.keyboard.press("l")
    await expect(nurse.locator("#alert")).to_contain_text("now low priority")
    for page in (nurse, other):
        await expect(page.locator("#queue > li").first).to_have_attribute("data-call-id", first)
    assert await _priority(live_hub, second) == 1
