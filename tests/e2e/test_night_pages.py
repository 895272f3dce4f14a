"""The night shift's pages in real Chromium (issue 17): the admin's shift page, follow-ups a
page at a time, pages loaded only from the hub, compressed and cached, and every page
passing axe-core at WCAG 2.2 AA.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Response, expect

from hub.keys import DATABASE
from hub.settings import HubSettings
from support.browser import DESKTOP, OpenPage, axe_violations, screenshot
from support.hub import RunningHub
from support.night import with_hub_phone


@pytest.fixture
def settings(settings: HubSettings) -> HubSettings:
    return with_hub_phone(settings)


async def test_a_nurse_opening_the_admins_shift_page_gets_a_page_not_json(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    page = await open_page("nurse.one", "/console")
    response = await page.goto("/admin/shift")
    assert response is not None and response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    await expect(page.locator("h1")).to_have_text("This page is for the hub administrator")
    await expect(page.locator("main a[href='/console']")).to_be_visible()
    assert await axe_violations(page) == []


async def _follow_ups(live_hub: RunningHub, count: int) -> None:
    """``count`` due follow-ups, one an hour back from now; every third call was the nurse's."""
    import uuid

    from hub.clock import london_month
    from hub.storage.tables import Call, FollowUpTask
    from schemas.codes import CallState, Channel, HomeIntent, Reason
    from support.world import NOW

    world = live_hub.world
    async with live_hub.app[DATABASE].session() as s:
        for n in range(count):
            started = NOW - timedelta(hours=72 + n)
            call = Call(
                id=str(uuid.uuid4()),
                site_id=world.home_a.site.id,
                person_id=world.home_a.resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.FALL_NO_INJURY.value,
                home_intent=HomeIntent.AMBULANCE_999.value,
                state=CallState.CLOSED.value,
                started_at=started,
                local_month=london_month(started),
                nurse_id=world.nurse.id if n % 3 == 0 else None,
            )
            s.add(call)
            await s.flush()
            s.add(FollowUpTask(call_id=call.id, due_at=NOW - timedelta(hours=n, minutes=30)))


DUES = "(l) => l.map((x) => x.dataset.due)"


async def test_follow_ups_come_a_page_at_a_time_filtered_and_sorted_by_due_time(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    await _follow_ups(live_hub, 45)
    page = await open_page("nurse.one", "/console/follow-ups", viewport=DESKTOP)
    tasks = page.locator("section.console-task")
    await expect(tasks).to_have_count(20)
    await expect(page.locator("#follow-ups-count")).to_contain_text("45 due")
    first = await tasks.evaluate_all(DUES)
    assert first == sorted(first)  # soonest due first
    await page.locator("nav.nhsuk-pagination a", has_text="Next").click()
    await expect(tasks).to_have_count(20)
    second = await tasks.evaluate_all(DUES)
    assert second[0] > first[-1]
    await page.locator("nav.nhsuk-pagination a", has_text="Next").click()
    await expect(tasks).to_have_count(5)
    assert await axe_violations(page) == []

    # Latest due first.
    await page.goto("/console/follow-ups?sort=latest")
    latest = await tasks.evaluate_all(DUES)
    assert latest == sorted(latest, reverse=True) and latest[0] > first[-1]
    # Mine: the calls this nurse took (every third).
    await page.goto("/console/follow-ups")
    await page.locator("#show").select_option("mine")
    await page.locator("#worklist-filter button").click()
    await expect(tasks).to_have_count(15)
    assert "show=mine" in page.url
    # Overdue: more than a day past due (OVERDUE_AFTER), so 45 - 24.
    await page.goto("/console/follow-ups?show=overdue")
    overdue = await page.locator("section.console-task--overdue").count()
    await expect(page.locator("#follow-ups-count")).to_contain_text("due")
    assert await tasks.count() == overdue > 0
    # Due today (London): due since midnight, 10:00 now, so the last ten hours.
    await page.goto("/console/follow-ups?show=today")
    await expect(tasks).to_have_count(10)
    await screenshot(page, "console-follow-ups-filtered")


async def test_pages_load_only_from_the_hub_compressed_and_cached(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """Item 15: no font (or anything) from another host; stylesheets and scripts compressed;
    stylesheets by hashed name, cached for a year; pages not compressed (BREACH)."""
    hub_origin = str(live_hub.server.make_url("/")).rstrip("/")
    for who, path in (
        ("staff.a", "/tablet"),
        ("staff.a", "/tablet/call"),
        ("nurse.one", "/console"),
        ("comm.a", "/reports"),
    ):
        page = await open_page(who, "/me")
        seen: list[str] = []
        responses: list[Response] = []
        page.on("request", lambda r, seen=seen: seen.append(r.url))
        page.on("response", lambda r, responses=responses: responses.append(r))
        await page.goto(path)
        await page.wait_for_load_state("load")
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        elsewhere = [u for u in seen if not u.startswith(hub_origin) and not u.startswith("data:")]
        assert elsewhere == [], f"{path} asked another host: {elsewhere}"
        for response in responses:
            url = response.url.removeprefix(hub_origin)
            headers = await response.all_headers()
            if url.startswith("/static/") and ".css" in url:
                assert "?v=" in url, url
                assert headers.get("content-encoding") in ("gzip", "br", "deflate"), url
                assert "immutable" in headers.get("cache-control", ""), url
            elif url.startswith("/js/"):
                assert headers.get("content-encoding") in ("gzip", "br", "deflate"), url
                assert headers.get("cache-control") == "no-cache", url
            elif url == path:
                assert "content-encoding" not in headers, url


PAGES = {
    "staff.a": ["/tablet", "/tablet/call", "/tablet/messages", "/tablet/check"],
    "nurse.one": ["/console", "/console/history", "/console/follow-ups", "/console/clinics"],
    "admin.one": ["/admin", "/admin/shift", "/admin/audit", "/admin/imports", "/console/clinics"],
    "dr.one": ["/console", "/console/clinics"],
    "comm.a": ["/reports"],
}


async def test_every_page_passes_axe_at_wcag_2_2_aa(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    """axe-core with the WCAG 2.0-2.2 A and AA rules, every impact, on each role's pages."""
    failures = {}
    for who, paths in PAGES.items():
        page = await open_page(who, paths[0])
        for path in paths:
            await page.goto(path)
            await page.wait_for_load_state("load")
            found = await axe_violations(
                page,
                impacts=("minor", "moderate", "serious", "critical"),
                tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"),
            )
            if found:
                failures[path] = [v["id"] for v in found]
    assert failures == {}
