"""Call quality is reported by the clients themselves (``call/quality``), kept apart from
the clinical outcome, and reaches the monthly report per site as the share of minutes
connected by audio alone."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.clock import london_month
from hub.reports.engine import ReportService
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Call, CallQualityReport
from schemas.reports import MonthlyReportQuery
from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed
from telehub_client.media import CallMedia
from telehub_client.quality import QualityTally


def test_the_tally_splits_the_time_between_video_and_audio_alone() -> None:
    now = [0.0]
    tally = QualityTally(clock=lambda: now[0])
    tally.connected(video=True)
    now[0] = 90.0
    tally.connected(video=False)  # the camera failed: audio alone from here
    now[0] = 120.0
    tally.dropped()
    now[0] = 150.0  # not connected: counts as neither
    tally.came_back(video=True)
    now[0] = 160.4
    assert tally.report() == {
        "video_seconds": 100,
        "audio_only_seconds": 30,
        "reconnects": 1,
        "resumed": 1,
        "ended_by_failure": False,
    }


async def test_participants_report_quality_and_the_report_counts_audio_only(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    nurse, tablet = await hub.staff(world.nurse), await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    # the tablet's camera gave out part-way: a minute of video, two by audio alone
    await tablet.command("call/quality", call_id=call["id"], video_seconds=300,
                         audio_only_seconds=0)  # fmt: skip
    await tablet.command("call/quality", call_id=call["id"], video_seconds=60,
                         audio_only_seconds=120, reconnects=2, resumed=1)  # fmt: skip
    await nurse.command("call/quality", call_id=call["id"], video_seconds=0,
                        audio_only_seconds=180)  # fmt: skip
    specialist = await hub.staff(world.specialist)  # never in the call
    with pytest.raises(CommandFailed) as refused:
        await specialist.command("call/quality", call_id=call["id"], video_seconds=1,
                                 audio_only_seconds=0)  # fmt: skip
    assert refused.value.code == "forbidden"
    await nurse.command("call/end", call_id=call["id"])
    await nurse.command(
        "call/close",
        call_id=call["id"],
        disposition="managed_in_place",
        nurse_counterfactual="admission",
        clinical_note="Managed at home by phone after the video failed.",
    )
    async with db.session() as s:
        rows = (await s.exec(select(CallQualityReport))).all()
        stored = await s.get(Call, call["id"])
    assert sorted((r.video_seconds, r.audio_only_seconds, r.reconnects) for r in rows) == [
        (0, 180, 0),
        (60, 120, 2),  # the tablet's second report replaced its first
    ]
    assert stored is not None and stored.disposition == "managed_in_place"  # clinical

    month = london_month(hub.clock.now())
    settings = HubSettings(environment="test", report_suppress_small_numbers=False)
    service = ReportService(db, hub.clock, settings)
    report = await service.monthly(SYSTEM, MonthlyReportQuery(month=month, commissioner="QAA"))
    home_a = next(s for s in report.sites if s.ods == "VHOMA").connection
    assert (home_a.calls_reported, home_a.calls_audio_only) == (1, 1)
    assert (home_a.video_minutes, home_a.audio_only_minutes) == (1.0, 5.0)
    assert home_a.share_audio_only == pytest.approx(300 / 360)
    assert report.totals.avoided.admission.claimed == 1  # the clinical claim stands


async def test_the_python_client_reports_its_quality_when_it_leaves(
    hub: RunningHub, db: Database
) -> None:
    nurse, tablet = await hub.staff(hub.world.nurse), await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    accepted = await nurse.command("call/accept", call_id=call["id"])
    media = CallMedia(tablet, call["id"], ice_servers=[])
    await media.start(accepted)
    await media.close()
    async with db.session() as s:
        rows = (await s.exec(select(CallQualityReport))).all()
    assert [(r.call_id, r.reporter.startswith("device:")) for r in rows] == [(call["id"], True)]
    assert rows[0].audio_only_seconds == 0 and not rows[0].ended_by_failure
