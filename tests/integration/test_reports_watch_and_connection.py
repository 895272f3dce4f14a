"""Figures kept apart from the clinical outcome: the engagement watch (a home's calls
falling) on the report's first page and the hub manager's, and connection quality."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.app import create_app
from hub.clock import FakeClock, as_utc
from hub.reports.render_csv import render_csv
from hub.reports.render_fhir import measure_report
from hub.reports.render_html import render_document
from hub.reports.render_pdf import render_pdf
from hub.reports.render_tables import render_tables
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import Call, CallEvent, CallQualityReport
from schemas.imports import ImportKind
from support.hub import HubServer
from support.reports import (
    AVOIDED,
    CALLS_TOTAL,
    CONNECTION,
    NOT_RECORDED,
    load_worked_example,
    monthly_report,
    pdf_text,
    read_tables,
    run_import,
)
from support.world import NOW, World, sign_in


def _falling_calls(path: Path) -> Path:
    """Home A (live since January 2025): 11 and 13 calls a month, alternately, to March
    2026, then 7 and 9 from April: seven months below the mean by October, a shift."""
    head = (
        "call_id,site_ods,site_kind,channel,started_at,answered_at,ended_at,nhs_number,reason,"
        "home_intent,nurse_counterfactual,disposition,escalations,ed_within_72h,"
        "admitted_within_72h\n"
    )
    lines = []
    span = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    for i, month in enumerate(span):
        calls = (11, 13)[i % 2] if month < "2026-04" else (7, 9)[i % 2]
        for n in range(calls):
            lines.append(
                f"W{month}-{n},VHOMA,care_home_nursing,care_home,{month}-10T10:{n:02d}:00+00:00,"
                ",,,fall_no_injury,wait_and_see,no_nhs_contact,managed_in_place,,unknown,unknown"
            )
    path.write_text(head + "\n".join(lines) + "\n")
    return path


async def test_the_engagement_watch_reaches_the_report_first_page_and_the_hub_manager(
    settings: HubSettings, db: Database, world: World, tmp_path: Path
) -> None:
    summary = await run_import(db, ImportKind.CALLS, _falling_calls(tmp_path / "calls.csv"))
    assert summary.written, summary.errors
    report = await monthly_report(db, commissioner="QAA")
    assert [(w.ods, w.since) for w in report.engagement_watch_homes] == [("VHOMA", "2026-04")]
    home_a = next(s for s in report.sites if s.ods == "VHOMA")
    assert home_a.engagement_watch and home_a.engagement_watch_since == "2026-04"

    html = render_document(report)
    first = html.index('id="engagement-watch-first"')
    assert first < html.index(">Summary</h2>")
    assert "calls have fallen beyond normal variation since April 2026" in html[first:]
    pdf = tmp_path / "watch.pdf"
    pdf.write_bytes(render_pdf(report))
    page_one = pdf_text(pdf).split("\f")[0]
    assert "Engagement watch" in page_one and "since April 2026" in page_one

    async with TestClient(HubServer(create_app(settings, clock=FakeClock(NOW)))) as client:
        await sign_in(client, world.admin.username)  # 2 November: October is the last full month
        page = await client.get("/admin/shift")
        assert page.status == 200
        text = await page.text()
    assert "Engagement watch, October 2026" in text
    row = text[text.index('data-ods="VHOMA"') :]
    assert "Home A" in row[:300] and "April 2026" in row[:300]


async def test_connection_quality_is_counted_apart_from_the_clinical_outcome(
    db: Database, world: World, tmp_path: Path
) -> None:
    """Method §7, connection quality: C04 and C05 (home A) each lost a connection that was
    not resumed (C04 twice); C04's tablet reported 5 minutes of video and 2 by audio alone;
    C05's tablet reported that the call ended by failure (the nurse finished it by phone:
    specialist advice); C11 was imported as call_failed_technical. Every clinical figure
    stands as recorded; every format gives the same connection figures."""
    await load_worked_example(db)
    async with db.session() as s:
        ids = {
            c.external_id: c
            for c in (await s.exec(select(Call).where(col(Call.external_id).in_(("C04", "C05")))))
        }
        for external, times in (("C04", 2), ("C05", 1)):
            call = ids[external]
            for _ in range(times):
                s.add(
                    CallEvent(
                        call_id=call.id,
                        at=as_utc(call.started_at) + timedelta(minutes=3),
                        kind="participant_dropped",
                        detail={"role": "caller"},
                    )
                )
        for external, video, audio, failed in (("C04", 300, 120, False), ("C05", 90, 0, True)):
            s.add(
                CallQualityReport(
                    call_id=ids[external].id,
                    reporter="device:1",
                    video_seconds=video,
                    audio_only_seconds=audio,
                    ended_by_failure=failed,
                    reported_at=as_utc(ids[external].started_at) + timedelta(minutes=9),
                )
            )
    report = await monthly_report(db, commissioner="QAA")
    for q, calls in ((next(s for s in report.sites if s.ods == "VHOMA").connection, 12),
                     (report.connection, CALLS_TOTAL)):  # fmt: skip
        got = (q.calls, q.calls_with_drop, q.technical_failures, q.calls_reported)
        assert got == (calls, *CONNECTION["counts"])
        assert (q.calls_audio_only, q.video_minutes, q.audio_only_minutes) == (1, 6.5, 2.0)
        assert q.share_with_drop == pytest.approx(2 / calls)
        assert q.share_audio_only == pytest.approx(CONNECTION["share_audio_only"])
    assert report.calls.not_recorded == NOT_RECORDED  # C11 only: C05 is clinical
    dispositions = {c.code: c.count for c in report.dispositions}
    assert dispositions["gp_followup"] == 2 and dispositions["specialist_advice"] == 1
    assert report.totals.avoided.ambulance.model_dump() == AVOIDED["ambulance"]

    html = render_document(report)
    row = html[html.index('data-connection="VHOMA"') :]
    assert all(cell in row[:600] for cell in ("16.7%", ">2<", "23.5%"))
    pdf = tmp_path / "connection.pdf"
    pdf.write_bytes(render_pdf(report))
    text = pdf_text(pdf)
    assert "Connection quality" in text and "16.7%" in text and "23.5%" in text
    tables = read_tables(render_tables(report))
    by_site = {r["site_ods"]: r for r in tables["connection"]}
    columns = ("calls_with_drop", "technical_failures", "calls_audio_only", "audio_only_minutes")
    for ods in ("VHOMA", ""):
        assert tuple(by_site[ods][k] for k in columns) == ("2", "2", "1", "2.0"), ods
    figures = {
        (r["section"], r["site_ods"], r["item"]): r["value"]
        for r in csv.DictReader(io.StringIO(render_csv(report)))
    }
    assert figures[("connection", "", "technical_failures")] == "2"
    assert figures[("sites", "VHOMA", "connection.calls_with_drop")] == "2"
    fhir = json.loads(measure_report(report, base_url="https://hub.example/").model_dump_json())
    group = next(g for g in fhir["group"] if g["code"]["coding"][0]["code"] == "connection")
    found = {p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]}
    assert found == {"initial-population": CALLS_TOTAL, "dropped": 2, "ended-by-failure": 2,
                     "audio-only": 1}  # fmt: skip

    suppressed = await monthly_report(db, commissioner="QAA", suppress=True)
    q = suppressed.connection
    assert (q.calls_with_drop, q.technical_failures, q.calls_audio_only) == ("<8",) * 3
    assert q.share_with_drop is None and q.share_audio_only is None
