"""Closing a call over the websocket records its outcome as the HTTP wrap-up does: through
the one unit of work (``hub.outcomes.outcome``), so an escalation the hub already recorded
(a specialist joining) is recorded once, whichever way the call was closed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.clock import london_month
from hub.reports.engine import ReportService
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Escalation, WrapUpDraft
from schemas.reports import MonthlyReportQuery
from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed


async def test_a_specialist_who_joined_is_counted_once_when_the_socket_closes_the_call(
    hub: RunningHub, db: Database
) -> None:
    world = hub.world
    nurse = await hub.staff(world.nurse)
    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    specialist = await hub.staff(world.specialist)
    await nurse.command("call/invite", call_id=call["id"], user_id=world.specialist.id)
    await specialist.command("call/join", call_id=call["id"])
    await specialist.command("call/leave", call_id=call["id"])
    await nurse.command("call/end", call_id=call["id"])
    # a draft saved over HTTP, then the call closed over the socket: the draft goes too
    now = hub.clock.now()
    async with db.session() as s:
        s.add(WrapUpDraft(call_id=call["id"], user_id=world.nurse.id, answers={}, updated_at=now))
    closed = await nurse.command(
        "call/close",
        call_id=call["id"],
        disposition="managed_in_place",
        nurse_counterfactual="admission",
        escalations=["specialist_joined", "gp_contacted"],
        clinical_note="Chest clear on video; oral antibiotics; obs 4-hourly.",
    )
    assert closed["state"] == "closed"

    async with db.session() as s:
        codes = sorted(
            e.code
            for e in (await s.exec(select(Escalation).where(Escalation.call_id == call["id"])))
        )
        drafts = (await s.exec(select(WrapUpDraft).where(WrapUpDraft.call_id == call["id"]))).all()
    assert codes == ["gp_contacted", "specialist_joined"]
    assert drafts == []  # "removed once the outcome is recorded", whichever way

    # the count itself, as a commissioner with a data-sharing agreement sees it (unsuppressed)
    settings = hub.services.settings.model_copy(update={"report_suppress_small_numbers": False})
    reports = ReportService(db, hub.clock, settings)
    report = await reports.monthly(
        SYSTEM, MonthlyReportQuery(month=london_month(hub.clock.now()), site="VHOMA")
    )
    assert report.specialists.joined == 1
    assert report.specialists.calls_with_specialist == 1


async def test_a_failed_call_finished_by_phone_records_what_happened_clinically(
    hub: RunningHub, db: Database
) -> None:
    """``call_failed_technical`` is refused over the socket, as over HTTP; the call closes
    with its clinical disposition, and its failure (from the tablet's own report) is counted
    under connection quality, never as a clinical outcome."""
    world = hub.world
    nurse, tablet = await hub.staff(world.nurse), await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    await tablet.command("call/quality", call_id=call["id"], video_seconds=40,
                         audio_only_seconds=0, ended_by_failure=True)  # fmt: skip
    await nurse.command("call/end", call_id=call["id"])
    close = {
        "call_id": call["id"],
        "nurse_counterfactual": "admission",
        "clinical_note": "Video failed; finished by phone: chest clear, obs 4-hourly.",
    }
    with pytest.raises(CommandFailed) as refused:
        await nurse.command("call/close", disposition="call_failed_technical", **close)
    assert (refused.value.code, refused.value.field) == ("invalid_message", "disposition")
    assert "record what happened clinically" in refused.value.message
    closed = await nurse.command("call/close", disposition="managed_in_place", **close)
    assert closed["state"] == "closed"

    settings = hub.services.settings.model_copy(update={"report_suppress_small_numbers": False})
    report = await ReportService(db, hub.clock, settings).monthly(
        SYSTEM, MonthlyReportQuery(month=london_month(hub.clock.now()), site="VHOMA")
    )
    assert report.connection.technical_failures == 1
    assert report.calls.not_recorded == 0
    dispositions = {c.code: c.count for c in report.dispositions}
    assert dispositions["managed_in_place"] == report.calls.clinical
    assert report.totals.avoided.admission.claimed >= 1  # the clinical claim stands
