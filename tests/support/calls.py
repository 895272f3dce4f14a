"""A typical call request from a care-home tablet, for tests."""

from __future__ import annotations

from typing import Any

from .hub import RunningHub

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
