"""Closing a call over the websocket records its outcome as the HTTP wrap-up does: through
the one unit of work (``hub.outcomes.outcome``), so an escalation the hub already recorded
(a specialist joining) is recorded once, whichever way the call was closed."""

from __future__ import annotations

from sqlmodel import select

from hub.clock import london_month
from hub.reports.engine import ReportService
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import Escalation, WrapUpDraft
from schemas.reports import MonthlyReportQuery
from support.calls import call_request
from support.hub import RunningHub


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
