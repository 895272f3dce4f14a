"""Wrong PINs sent at once from many sockets of one tablet cannot all be checked: a try is
counted, checked and recorded in one atomic step (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from hub.auth.service import PIN_TRIES
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import AuditEvent
from support.calls import call_request
from support.hub import RunningHub, running_hub
from support.world import NOW, World
from telehub_client import CommandFailed, HubConnection

SOCKETS = 20


@pytest.fixture
async def roomy_hub(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    """A hub that lets one tablet open twenty sockets (the cap would refuse most)."""
    wide = settings.model_copy(update={"sockets_per_device": SOCKETS})
    async with running_hub(wide, world, NOW) as running:
        yield running


async def test_twenty_wrong_pins_at_once_are_not_all_checked(
    roomy_hub: RunningHub, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = roomy_hub
    staff = hub.world.home_a.staff
    await hub.app[SERVICES].identity.set_pin(SYSTEM, staff.username, "2468")
    credential = await hub.device_credential()

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    sockets = [await HubConnection.open(hub.url, auth) for _ in range(SOCKETS)]
    hub.opened.extend(sockets)
    checks: list[str] = []
    real = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        checks.append("verify")
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)

    async def wrong_pin(n: int, socket: HubConnection) -> str:
        request = call_request(hub, n, caller_name=staff.display_name, caller_pin="1357")
        with pytest.raises(CommandFailed) as refused:
            await socket.command("call/start", **request)
        return refused.value.code

    codes = await asyncio.gather(*(wrong_pin(n, s) for n, s in enumerate(sockets)))
    assert codes.count("invalid_message") == PIN_TRIES
    assert codes.count("rate_limited") == SOCKETS - PIN_TRIES
    assert len(checks) == PIN_TRIES  # the rest never reached argon2
    async with db.session() as s:
        tries = (await s.exec(select(AuditEvent).where(AuditEvent.action == "caller_pin"))).all()
    outcomes = [t.outcome for t in tries]
    assert outcomes.count("refused") == PIN_TRIES
    assert outcomes.count("throttled") == SOCKETS - PIN_TRIES
