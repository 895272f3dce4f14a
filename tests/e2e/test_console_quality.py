"""The console reports how a call went on its side (issue 18 item 7), as the tablet does:
when the nurse ends the call, a call/quality row for the nurse, apart from the outcome."""

from __future__ import annotations

from playwright.async_api import expect
from sqlmodel import select

from hub.keys import DATABASE
from hub.storage.tables import CallQualityReport
from support.browser import OpenPage
from support.hub import RunningHub
from support.tablet import console_answers_tablet


async def test_the_console_reports_call_quality_when_the_nurse_ends_the_call(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse, tablet, call_id = await console_answers_tablet(open_page, live_hub)
    tile = nurse.locator('#videos figure[data-role="caller"] .console-tile__media')
    await expect(tile).to_have_text("Video", timeout=20_000)
    await nurse.locator("#end").click()
    await expect(nurse.locator("#call-state")).to_have_text("Wrap-up")
    await expect(tablet.locator("#ended-title")).to_have_text("The call has ended")

    nurse_key = f"user:{live_hub.world.nurse.id}"

    async def reported() -> list[CallQualityReport]:
        async with live_hub.app[DATABASE].session() as s:
            query = select(CallQualityReport).where(CallQualityReport.call_id == call_id)
            rows = await s.exec(query)
            return [r for r in rows.all() if r.reporter == nurse_key]

    # The socket answers a console's commands in order: once a ping sent now is answered,
    # the call/quality sent as the call ended has been recorded.
    await nurse.evaluate("() => telehubConsole.hub.command('ping', {})")
    rows = await reported()
    assert len(rows) == 1
    assert rows[0].ended_by_failure is False
    assert rows[0].video_seconds + rows[0].audio_only_seconds >= 0
