"""Firefox in the suite (issue 17 item 16): a tablet in Firefox ESR calls, the nurse answers
on the console in Chromium, video flows both ways, the nurse ends the call and wraps it up.

Firefox is Debian's ``firefox-esr`` (``make system`` installs it), driven over WebDriver BiDi
by npm ``puppeteer-core`` (``make assets`` installs it) in ``tests/e2e/firefox/``: no
geckodriver. Its fake camera and microphone are preferences set there.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from playwright.async_api import expect

from support.browser import DESKTOP, ROOT, OpenPage
from support.hub import RunningHub
from support.world import PASSWORD

FIREFOX = "/usr/bin/firefox-esr"
SCRIPT = Path(__file__).with_name("firefox") / "tablet_call.mjs"
NODE_MODULES = ROOT / "clients" / "web" / "node_modules"

CONSOLE_SEES_CALLER = """async () => {
  const { decodedFrames } = await import('/js/shared/rtc.js');
  const video = document.querySelector('#videos figure[data-role="caller"] video');
  return !!video && decodedFrames(video) > 5;
}"""


@pytest.fixture
def firefox() -> str:
    if not os.path.exists(FIREFOX):
        pytest.fail(f"{FIREFOX} is missing: run `make system`, which installs Debian's firefox-esr")
    if not (NODE_MODULES / "puppeteer-core").is_dir():
        pytest.fail("puppeteer-core is missing: run `make assets`")
    return FIREFOX


async def test_a_firefox_tablet_calls_and_a_chromium_console_answers(
    firefox: str, open_page: OpenPage, live_hub: RunningHub
) -> None:
    nurse = await open_page("nurse.one", "/console", viewport=DESKTOP)
    await expect(nurse.locator("#connection")).to_have_text("Connected to the hub")
    hub_url = str(live_hub.server.make_url("/")).rstrip("/")
    tablet = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        hub_url,
        live_hub.world.home_a.staff.username,
        PASSWORD,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "FIREFOX": firefox, "NODE_PATH": str(NODE_MODULES)},
        cwd=ROOT / "clients" / "web",
    )
    assert tablet.stdout is not None

    async def expect_line(word: str) -> str:
        assert tablet.stdout is not None
        async with asyncio.timeout(90):
            while True:
                line = (await tablet.stdout.readline()).decode().strip()
                print(f"[firefox] {line}")
                if not line:
                    raise AssertionError(f"the Firefox tablet stopped before {word}")
                if line.startswith("FAIL"):
                    raise AssertionError(f"the Firefox tablet: {line}")
                if line.startswith(word):
                    return line.removeprefix(word).strip()

    try:
        call_id = await expect_line("CALL")
        card = nurse.locator(f'#queue [data-call-id="{call_id}"]')
        await card.locator("button[data-accept]").click()
        await expect(nurse.locator("#call")).to_be_visible()
        # Video both ways: the nurse's picture plays in Firefox, Firefox's in Chromium.
        await expect_line("VIDEO")
        await expect_line("SENT")
        await nurse.wait_for_function(CONSOLE_SEES_CALLER, timeout=30_000)
        await expect(nurse.locator('#videos figure[data-role="caller"]')).to_have_attribute(
            "data-media", "video", timeout=20_000
        )
        # The nurse ends the call and wraps it up; Firefox says it has ended.
        await nurse.locator("#end").click()
        await expect(nurse.locator("#call-state")).to_have_text("Wrap-up")
        assert (await expect_line("ENDED")) == "The call has ended"
        await nurse.check("#disposition-managed_in_place")
        await nurse.check("#nurse_counterfactual-gp_contact")
        await nurse.fill("#clinical_note", "Seen by video from Firefox; settled.")
        await nurse.click("#wrapup-submit")
        await expect(nurse.locator("#last-outcome")).to_contain_text("Record saved")
        assert await tablet.wait() == 0
    finally:
        if tablet.returncode is None:
            tablet.terminate()  # the script closes Firefox on SIGTERM
            try:
                async with asyncio.timeout(15):
                    await tablet.wait()
            except TimeoutError:
                tablet.kill()
                await tablet.wait()
