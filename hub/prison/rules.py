"""What a call from a prison healthcare unit must be, checked before it is made.

- It starts from one of the prison's own enrolled tablets, never from a browser signed in
  as a member of staff (a prison's devices are enrolled and kept inside the prison).
- An urgent call says what would happen without it ("Without this call, what would
  happen?": an escorted A&E attendance, an escorted outpatient appointment, bed watch or
  admission, managed in the prison, or not known).
- Its record (the wrap-up) says whether an escorted transfer out was needed after all.
- The prison's questions belong to prison calls: another site's call carrying them is
  refused, so the reports never count an escort for a care home.

The person the call is about is checked by the call service through the caller's scope: a
person not at this prison is "no such resident" (404), exactly as for a care home.
"""

from __future__ import annotations

from typing import Any

from hub.auth.principal import Principal
from hub.errors import Forbidden, InvalidInput
from schemas.codes import Channel, OrganisationKind
from schemas.wire import CallStart

FROM_DEVICES_ONLY = "A prison's calls start from its own enrolled tablets"


def check_call_start(site_kind: str, principal: Principal, cmd: CallStart) -> None:
    if site_kind != OrganisationKind.PRISON:
        if cmd.prison_intent is not None:
            raise InvalidInput("Only a prison's calls answer this question", field="prison_intent")
        if cmd.accompanied_by:
            raise InvalidInput("Only a prison's calls say this", field="accompanied_by")
        return
    if not principal.is_device:
        raise Forbidden(FROM_DEVICES_ONLY)
    if cmd.channel == Channel.PRISON_URGENT and cmd.prison_intent is None:
        raise InvalidInput("Say what would happen without this call", field="prison_intent")


PRISON_CHANNELS = frozenset({Channel.PRISON_URGENT, Channel.PRISON_CLINIC})


def check_call_close(channel: str, escort_needed: bool | None) -> None:
    """A prison call's record says whether an escorted transfer was needed; no other call's
    record may (the escort measures count prison calls only)."""
    if channel in PRISON_CHANNELS and escort_needed is None:
        raise InvalidInput(
            "Say whether an escorted transfer out of the prison was needed",
            field="escort_needed",
        )
    if channel not in PRISON_CHANNELS and escort_needed is not None:
        raise InvalidInput("Only a prison's calls record an escort", field="escort_needed")


def prison_facts(cmd: CallStart) -> dict[str, Any]:
    """The call's prison columns, as stored."""
    return {
        "prison_intent": cmd.prison_intent.value if cmd.prison_intent else None,
        "accompanied_by": [a.value for a in dict.fromkeys(cmd.accompanied_by)] or None,
    }
