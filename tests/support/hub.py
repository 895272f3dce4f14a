"""A running hub for protocol tests: a real server on loopback, a fake clock, and ways to
sign in as a device or a member of staff with the Python client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.app import create_app
from hub.auth.service import user_principal
from hub.clock import FakeClock
from hub.http.runner import runner_options
from hub.realtime.context import REALTIME, Realtime
from hub.services import SERVICES, Services
from hub.settings import HubSettings
from hub.storage.scope import SYSTEM
from hub.storage.tables import User
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship
from telehub_client import HubConnection

from .world import World


class HubServer(TestServer):
    """A test server that runs the app as ``telehub serve`` does (``runner_options``):
    aiohttp's test server otherwise cancels a handler whose client goes away, which the hub
    in service never sees, and a page reload then cut other writes off half way."""

    async def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        return await super()._make_runner(**{**kwargs, **runner_options()})


@dataclass
class RunningHub:
    server: TestServer
    clock: FakeClock
    world: World
    opened: list[HubConnection] = field(default_factory=list)

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def url(self) -> str:
        return str(self.server.make_url("/ws")).replace("http://", "ws://")

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def realtime(self) -> Realtime:
        return self.app[REALTIME]

    async def device_credential(
        self,
        site_ods: str = "VHOMA",
        label: str = "Tablet",
        *,
        person_nhs_number: str | None = None,
        relationship: CallerRelationship | None = None,
    ) -> str:
        """An enrolled tablet's credential; with ``person_nhs_number``, a device enrolled to
        that one person at an own-home service (held by the patient or a carer)."""
        identity = self.app[SERVICES].identity
        _, _, code = await identity.create_enrolment(
            SYSTEM,
            DeviceCreate(
                site_ods=site_ods,
                label=label,
                person_nhs_number=person_nhs_number,
                relationship=relationship,
            ),
        )
        _, credential = await identity.enrol(code)
        return credential

    async def device(self, site_ods: str = "VHOMA", **kw: Any) -> HubConnection:
        credential = await self.device_credential(site_ods)

        async def auth() -> dict[str, Any]:
            return {"type": "auth", "credential": credential}

        conn = await HubConnection.open(self.url, auth, **kw)
        self.opened.append(conn)
        return conn

    async def staff(self, user: User, **kw: Any) -> HubConnection:
        identity = self.app[SERVICES].identity

        async def auth() -> dict[str, Any]:
            ticket, _ = await identity.issue_ticket(user_principal(user))
            return {"type": "auth", "ticket": ticket}

        conn = await HubConnection.open(self.url, auth, **kw)
        self.opened.append(conn)
        return conn


@asynccontextmanager
async def running_hub(
    settings: HubSettings, world: World, now: datetime, *, serving: type[TestServer] = HubServer
) -> AsyncIterator[RunningHub]:
    """The hub on loopback, run as ``telehub serve`` runs it unless a test asks for another
    ``serving`` (aiohttp's own test server)."""
    clock = FakeClock(now)
    server = serving(create_app(settings, clock=clock))
    await server.start_server()
    hub = RunningHub(server, clock, world)
    try:
        yield hub
    finally:
        for conn in hub.opened:
            await conn.close()
        await server.close()
