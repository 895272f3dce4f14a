"""Where the time goes between a nurse's accept and the tablet's first decoded frame: the
moments of each call's set-up, marked in both pages and in the hub's database, the
breakdown printed beside the direct connection's (``make bench-call-setup``), and the
"## Tablet" section of docs/performance.md written from the timings.

Every mark is milliseconds since the epoch on this machine's clock (the pages'
``performance.timeOrigin + performance.now()``, the hub's ``time.time()``), so marks from
the two pages and the hub, all on loopback, can be subtracted from one another.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.async_api import Page
from sqlalchemy import event

from hub.storage.engine import Database

from .browser import ROOT, WRITE_DOCS

# Installed in a page (the tablet's, or the nurse's once NURSE has run) after its hub socket
# and call mesh exist; again for each call (it clears the marks, and wraps the socket once).
# Marks what the page sends and hears of the call's signalling, and its peer connection's
# ICE and DTLS states. The page's own code runs unchanged: the socket's command is wrapped,
# not replaced, and listeners only listen.
TRACE = """
() => {
  const hub = window.telehubTablet?.hub ?? window.nurse.hub;
  const mesh = () => window.telehubTablet?.view.mesh ?? window.nurse.mesh;
  window.setupMarks = {};
  const mark = (name) => {
    window.setupMarks[name] ??= performance.timeOrigin + performance.now();
  };
  window.setupMark = mark;
  const watch = (pc) => {
    if (!pc || pc.setupWatched) return;
    pc.setupWatched = true;
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState === "connected") window.setupMark("ice connected");
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") window.setupMark("dtls connected");
    });
  };
  window.setupWatch = watch;
  if (hub.setupTraced) return;
  hub.setupTraced = true;
  const command = hub.command.bind(hub);
  hub.command = (type, fields) => {
    if (type === "call/accept" && fields.offer) window.setupMark("offer sent"); // with the accept
    if (type.startsWith("signal/")) {
      window.setupMark(`${type.slice(7)} sent`);
      watch(mesh()?.peers.get(fields.to)?.pc);
    }
    const reply = command(type, fields);
    if (type === "call/accept") reply.then(() => window.setupMark("accept reply"), () => {});
    return reply;
  };
  hub.addEventListener("hub-signal", (e) => {
    window.setupMark(`${e.detail.signal.kind} received`);
    watch(mesh()?.peers.get(e.detail.from_key)?.pc);
  });
  hub.addEventListener("hub-call", (e) => {
    if (e.detail.call.state === "connected") window.setupMark("connected event");
  });
}
"""


@dataclass(frozen=True)
class Stage:
    name: str
    start: str
    end: str
    direct: bool = True  # the direct connection has this stage too


# Each stage from one mark to the next, in the order a call goes through them (the offer is
# sent with the accept, or after its reply by a client that does not). The marks:
# "accept" (the nurse sends call/accept; for the direct connection, the nurse's page starts
# its offer), "committed" (the hub's database commits the accept), "first frame" (the
# tablet's first decoded frame of the nurse's video), and TRACE's marks in the page that
# sends or hears each: NURSE_MARKS in the nurse's, TABLET_MARKS in the tablet's.
STAGES = (
    Stage("accept to the database's commit", "accept", "committed", direct=False),
    Stage(
        "commit to the call event at the tablet (fan-out)",
        "committed",
        "connected event",
        direct=False,
    ),
    Stage("commit to the accept's reply at the nurse", "committed", "accept reply", direct=False),
    Stage("accept (direct: start) to the offer sent", "accept", "offer sent"),
    Stage("offer sent to the offer at the tablet", "offer sent", "offer received"),
    Stage("tablet: offer to its answer sent", "offer received", "answer sent"),
    Stage("answer relayed to the nurse", "answer sent", "answer received"),
    Stage("tablet: answer sent to ICE connected", "answer sent", "ice connected"),
    Stage("tablet: ICE to DTLS connected", "ice connected", "dtls connected"),
    Stage("tablet: DTLS connected to first decoded frame", "dtls connected", "first frame"),
)  # fmt: skip
TOTAL = Stage("accept (direct: start) to first decoded frame", "accept", "first frame")
NURSE_MARKS = ("accept reply", "offer sent", "answer received")
TABLET_MARKS = (
    "connected event",
    "offer received",
    "answer sent",
    "ice connected",
    "dtls connected",
)


@dataclass
class SetupMarks:
    """The marks of each call through one path (the hub's, or the direct connection's)."""

    calls: list[dict[str, float]] = field(default_factory=list)

    def add(
        self,
        start: float,
        first_frame: float,
        *,
        nurse: dict[str, float],
        tablet: dict[str, float],
        hub: dict[str, float] | None = None,
    ) -> None:
        marks = {"accept": start, "first frame": first_frame, **(hub or {})}
        marks.update({k: nurse[k] for k in NURSE_MARKS if k in nurse})
        marks.update({k: tablet[k] for k in TABLET_MARKS if k in tablet})
        self.calls.append(marks)

    def stage(self, stage: Stage) -> list[float]:
        return [
            call[stage.end] - call[stage.start]
            for call in self.calls
            if stage.start in call and stage.end in call
        ]


async def page_marks(page: Page) -> dict[str, float]:
    """The marks TRACE (or the direct connection) left in a page."""
    marks: dict[str, float] = await page.evaluate("() => window.setupMarks ?? {}")
    return marks


@contextmanager
def commits(database: Database) -> Iterator[list[float]]:
    """The moments the hub's database commits, while the block runs."""
    seen: list[float] = []

    def committed(_connection: object) -> None:
        seen.append(time.time() * 1000)

    event.listen(database.engine.sync_engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "commit", committed)


def commit_between(seen: list[float], start: float, end: float) -> dict[str, float]:
    """The first commit between the accept and its reply: the accept's own transaction
    (nothing else in the test writes meanwhile)."""
    inside = [at for at in seen if start <= at <= end]
    return {"committed": inside[0]} if inside else {}


def breakdown(hub: SetupMarks, direct: SetupMarks) -> list[str]:
    """The stages as a markdown table: median (min–max) of each path, and the difference
    of the medians. Stages overlap where work runs in parallel."""
    lines = [
        "| stage | through the hub: median (min–max) | direct: median (min–max) | hub − direct |",
        "|---|---|---|---|",
    ]
    for stage in (*STAGES, TOTAL):
        through = hub.stage(stage)
        alone = direct.stage(stage) if stage.direct else []
        name = f"**{stage.name}**" if stage is TOTAL else stage.name
        lines.append(
            f"| {name} | {_spread(through)} | {_spread(alone)} | {_difference(through, alone)} |"
        )
    return lines


def _spread(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


def _difference(through: list[float], alone: list[float]) -> str:
    if not through or not alone:
        return "—"
    return f"{statistics.median(through) - statistics.median(alone):+.0f} ms"


@dataclass
class Timing:
    hub_ms: list[float]
    direct_ms: list[float]

    @staticmethod
    def describe(values: list[float]) -> str:
        ordered = sorted(values)
        return (
            f"median {statistics.median(ordered):.0f} ms (min {ordered[0]:.0f}, "
            f"max {ordered[-1]:.0f}, n={len(ordered)})"
        )


PERFORMANCE = ROOT / "docs" / "performance.md"
SETUP_TARGET_MS = 100  # issue 19: accept to first frame within this of a direct connection


def write_tablet_section(timing: Timing, when: str, *, stages: list[str], load: str) -> None:
    """Replace the "## Tablet" section of docs/performance.md; other sections are untouched.
    ``stages`` is the breakdown table (``call_setup.breakdown``), ``load`` the machine's
    load average before and after the run."""
    difference = statistics.median(timing.hub_ms) - statistics.median(timing.direct_ms)
    met = "met" if difference <= SETUP_TARGET_MS else "not met"
    section = "\n".join(
        [
            "## Tablet",
            "",
            "Time from the nurse's accept (just before `call/accept` is sent) to the first decoded",
            "frame of the nurse's video on the tablet (`requestVideoFrameCallback` on the tablet's",
            "remote `<video>`), in headless Chromium with fake camera and microphone, hub and both",
            "pages on loopback, measured by `tests/e2e/test_tablet.py::"
            "test_accept_to_first_frame_is_close_to_a_direct_connection`.",
            "The baseline, run in the same test right after, is a direct `RTCPeerConnection`",
            "between the same two pages (the nurse's, sending the camera it already has running,",
            "and the tablet's), signalled through the test itself with no hub: from the nurse's",
            "page starting its offer to the tablet page's first decoded frame.",
            f"Target (issue 19): the hub's median within {SETUP_TARGET_MS} ms of the direct one.",
            "",
            "| path | median | min | max | calls |",
            "|---|---|---|---|---|",
            _row("through the hub: accept to first frame", timing.hub_ms),
            _row("direct between the same two pages, no hub", timing.direct_ms),
            "",
            f"Difference of medians: {difference:.0f} ms (the accept itself, the call events,",
            f"and signalling relayed by the hub): {met}.",
            f"Last run: {when}; load average (1 min) {load}, on this machine's "
            f"{os.cpu_count()} cores.",
            "",
            "Where the time goes, stage by stage (each from one mark to the next, per call;",
            "the hub's database commit is timed in the hub, every other mark in the page that",
            "sends or hears it; stages that run side by side overlap):",
            "",
            *stages,
            "",
        ]
    )
    print(section)
    if not WRITE_DOCS:
        return
    text = PERFORMANCE.read_text() if PERFORMANCE.exists() else "# Performance\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "## Tablet"), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = "".join(lines[end:])
        text = "".join(lines[:start]) + section + ("\n" + tail if tail else "")
    PERFORMANCE.write_text(text)


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"| {name} | {statistics.median(ordered):.0f} ms | {ordered[0]:.0f} ms "
        f"| {ordered[-1]:.0f} ms | {len(ordered)} |"
    )
