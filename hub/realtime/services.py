"""What command handlers reach: the domain services and this process's connections."""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth.service import IdentityService
from hub.calls.service import CallService
from hub.echo.service import EchoService
from hub.messages.service import MessageService
from hub.settings import HubSettings

from .dispatch import Dispatcher
from .drain import Drain
from .registry import Registry
from .roster import Roster


@dataclass
class Services:
    settings: HubSettings
    identity: IdentityService
    calls: CallService
    messages: MessageService
    registry: Registry
    roster: Roster
    echo: EchoService
    drain: Drain


class Realtime:
    """This process's websocket side: the services and the command dispatcher."""

    def __init__(self, services: Services, dispatcher: Dispatcher) -> None:
        self.services = services
        self.dispatcher = dispatcher
