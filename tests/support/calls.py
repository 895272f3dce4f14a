"""A typical call request from a care-home tablet, a call waiting for its wrap-up, and a
complete outcome to record for it, for tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from hub.clock import FakeClock, london_month
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo
from hub.storage.tables import Call, CallEvent, CallParticipant
from schemas.codes import CallState, Channel, HomeIntent, Reason

from .hub import RunningHub
from .world import NOW, World

CALL = {
    "channel": "care_home",
    "reason": "breathing_difficulty",
    "home_intent": "ambulance_999",
    "concern": "More breathless than usual since lunch",
    "observations": {
        "respiration_rate": 24,
        "spo2": 92,
        "on_oxygen": False,
        "pulse": 112,
        "systolic_bp": 104,
        "consciousness": "A",
        "temperature": 38.4,
    },
    "soft_signs": ["breathlessness", "not_themselves"],
}


def call_request(hub: RunningHub, n: int = 1, **over: Any) -> dict[str, Any]:
    return {**CALL, "client_call_id": f"c{n}", "person_id": hub.world.home_a.resident.id, **over}


async def call_in_wrap_up(
    db: Database,
    world: World,
    *,
    started: datetime,
    home_intent: HomeIntent = HomeIntent.AMBULANCE_999,
) -> str:
    """A call the nurse answered and ended: waiting for her wrap-up."""
    call_id = str(uuid.uuid4())
    home = world.home_a
    async with db.session() as s:
        await CallRepo(s, FakeClock(started)).add(  # counted for the reports, as a live call
            Call(
                id=call_id,
                site_id=home.site.id or 0,
                person_id=home.resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.BREATHING_DIFFICULTY.value,
                home_intent=home_intent.value,
                state=CallState.WRAP_UP.value,
                started_at=started,
                queued_at=started,
                answered_at=started + timedelta(seconds=95),
                ended_at=started + timedelta(minutes=9),
                local_month=london_month(started),
                nurse_id=world.nurse.id,
                caller_name="Carer Anne",
            )
        )
        for at, source, target in [
            (started, None, "requested"),
            (started, "requested", "queued"),
            (started + timedelta(seconds=95), "queued", "connected"),
            (started + timedelta(minutes=9), "connected", "wrap_up"),
        ]:
            s.add(
                CallEvent(
                    call_id=call_id,
                    at=at,
                    kind="state",
                    from_state=source,
                    to_state=target,
                    actor_user_id=world.nurse.id if target != "requested" else None,
                )
            )
        s.add(
            CallParticipant(
                call_id=call_id,
                key=f"user:{world.nurse.id}",
                user_id=world.nurse.id,
                role="nurse",
                name=world.nurse.display_name,
                joined_at=started + timedelta(seconds=95),
            )
        )
    return call_id


WRAP_UP_STARTED = NOW + timedelta(minutes=5)

COMPLETE_OUTCOME = {
    "disposition": "managed_in_place",
    "nurse_counterfactual": "admission",
    "escalations": ["gp_contacted"],
    "clinical_note": "Chest clear after nebuliser; GP to review tomorrow.",
}


async def wrap_up_call(
    db: Database, world: World, *, home_intent: HomeIntent = HomeIntent.AMBULANCE_999
) -> str:
    """A call at home A that started at ``WRAP_UP_STARTED`` and waits for its wrap-up."""
    return await call_in_wrap_up(db, world, started=WRAP_UP_STARTED, home_intent=home_intent)
