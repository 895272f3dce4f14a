"""The nurse's first offer travels with ``call/accept``: the hub relays it to the caller once
the accept is committed, a round trip sooner than a ``signal/offer`` after the reply (issue
19, call set-up); an offer to anyone not in the call is refused before anything changes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.storage.engine import Database
from hub.storage.tables import AuditEvent, Call
from support.calls import call_request
from support.hub import RunningHub
from telehub_client import CommandFailed


async def test_the_offer_with_the_accept_reaches_the_caller_once_the_call_is_connected(
    hub: RunningHub, db: Database
) -> None:
    nurse = await hub.staff(hub.world.nurse)
    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    tablet_key = call["participants"][0]["key"]

    connected = await nurse.command(
        "call/accept", call_id=call["id"], offer={"to": tablet_key, "sdp": "v=0 first offer"}
    )
    assert connected["state"] == "connected"
    offer = await tablet.next_event("signal")
    assert offer["call_id"] == call["id"] and offer["from_key"] == f"user:{hub.world.nurse.id}"
    assert offer["signal"] == {"kind": "offer", "sdp": "v=0 first offer", "ice_restart": False}
    async with db.session() as s:
        stored = await s.get(Call, call["id"])
        assert stored is not None and stored.state == "connected"

    # The caller answers through the hub as after any offer: both are in the call.
    await tablet.command(
        "signal/answer", call_id=call["id"], to=f"user:{hub.world.nurse.id}", sdp="v=0 answer"
    )
    answer = await nurse.next_event("signal")
    assert answer["signal"] == {"kind": "answer", "sdp": "v=0 answer"}


@pytest.mark.parametrize("to", ["device:999", "nurse"])
async def test_an_offer_to_someone_not_in_the_call_refuses_the_accept(
    hub: RunningHub, db: Database, to: str
) -> None:
    nurse = await hub.staff(hub.world.nurse)
    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    to_key = f"user:{hub.world.nurse.id}" if to == "nurse" else to

    with pytest.raises(CommandFailed) as refused:
        await nurse.command("call/accept", call_id=call["id"], offer={"to": to_key, "sdp": "v=0"})
    assert refused.value.code == "not_found"
    async with db.session() as s:
        stored = await s.get(Call, call["id"])
        assert stored is not None and stored.state == "queued" and stored.nurse_id is None
        audited = (await s.exec(select(AuditEvent).where(AuditEvent.action == "refused"))).all()
    assert [(r.target_id, (r.detail or {}).get("where")) for r in audited] == [
        (call["id"], "call/accept")
    ]

    # Nothing was taken: the same nurse accepts it as usual.
    again = await nurse.command("call/accept", call_id=call["id"])
    assert again["state"] == "connected"
