"""A user or a device may hold only so many sockets: one more is refused with a typed
frame and close code, and closing one makes room."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.auth.service import user_principal
from hub.services import SERVICES
from hub.settings import HubSettings
from schemas.wire import TOO_MANY_SOCKETS
from support.hub import RunningHub, running_hub
from support.world import NOW, World
from telehub_client import CommandFailed, HubConnection


@pytest.fixture
async def capped(settings: HubSettings, world: World) -> AsyncIterator[RunningHub]:
    tight = settings.model_copy(update={"sockets_per_user": 2, "sockets_per_device": 3})
    async with running_hub(tight, world, NOW) as running:
        yield running


async def test_one_socket_too_many_is_refused_until_one_closes(capped: RunningHub) -> None:
    hub = capped
    credential = await hub.device_credential()

    async def tablet() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    async def nurse() -> dict[str, Any]:
        ticket, _ = await hub.app[SERVICES].identity.issue_ticket(user_principal(hub.world.nurse))
        return {"type": "auth", "ticket": ticket}

    for auth, cap in ((tablet, 3), (nurse, 2)):
        held = [await HubConnection.open(hub.url, auth) for _ in range(cap)]
        hub.opened.extend(held)
        with pytest.raises(CommandFailed) as refused:
            await HubConnection.open(hub.url, auth)
        assert (refused.value.code, refused.value.message) == ("rate_limited", TOO_MANY_SOCKETS)
        await held[0].close()
        hub.opened.append(await HubConnection.open(hub.url, auth))
