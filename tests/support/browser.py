"""Helpers for the browser suites: Chromium and its flags, accessibility checks and
screenshots."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "clients" / "web" / "node_modules" / "axe-core" / "axe.min.js"
# Tests never modify tracked files: screens and the measured tables land in docs/ only when
# their own make targets (make screens, make bench-call-setup) set HUB_WRITE_DOCS=1.
WRITE_DOCS = os.environ.get("HUB_WRITE_DOCS") == "1"
SCREENS = (
    ROOT / "docs" / "screens"
    if WRITE_DOCS
    else Path(tempfile.gettempdir()) / f"telehub-screens-{os.getpid()}"
)
TABLET = {"width": 1280, "height": 800}  # a 10-inch tablet in landscape
TABLET_PORTRAIT = {"width": 800, "height": 1280}
DESKTOP = {"width": 1920, "height": 1080}  # the nurse's 24-inch monitor

OpenPage = Callable[..., Awaitable[Page]]

CHROMIUM = "/usr/bin/chromium"  # Debian's package (make system installs it)
CHROMIUM_FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


async def axe_violations(
    page: Page,
    *,
    impacts: tuple[str, ...] = ("serious", "critical"),
    tags: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """Run axe-core in the page; return violations of the given impacts (of the rules with
    the given tags, e.g. "wcag22aa"; every rule when None)."""
    # Evaluated through the DevTools protocol, not as a <script> tag: the hub's CSP refuses
    # inline scripts, as it should.
    await page.evaluate(AXE.read_text() + "\n;undefined")
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if tags:
        options["runOnly"] = {"type": "tag", "values": list(tags)}
    results = await page.evaluate("async (o) => await axe.run(document, o)", options)
    found = [v for v in results["violations"] if v.get("impact") in impacts]
    if found:
        print(
            json.dumps(
                [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in found],
                indent=1,
            )
        )
    return found


async def assert_accessible(page: Page, screen: str) -> None:
    """The page has no serious or critical axe-core violation; ``screen`` names it."""
    violations = await axe_violations(page)
    assert violations == [], f"{screen}: {[v['id'] for v in violations]}"


async def screenshot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


# True once the console page decodes video from the participant of ``role`` (its tile).
CONSOLE_SEES = """
async (role) => {
  const { decodedFrames } = await import('/js/shared/rtc.js');
  const video = document.querySelector(`#videos figure[data-role="${role}"] video`);
  return !!video && decodedFrames(video) > 5;
}
"""
