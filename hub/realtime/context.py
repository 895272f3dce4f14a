"""The websocket side's own state (this process's sockets), and what a command handler is
given: its connection, the domain services and that state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from hub.services import Services

from .admission import Admission
from .connection import Connection
from .drain import Drain
from .registry import Registry
from .revocation import Revoker
from .roster import Roster

if TYPE_CHECKING:  # the dispatcher runs commands with a CommandContext
    from .dispatch import Dispatcher


@dataclass(frozen=True)
class Realtime:
    """This process's sockets: who is connected, the call rosters, the command
    dispatcher, session revocation, the shutdown drain and admission to the auth phase."""

    registry: Registry
    roster: Roster
    dispatcher: Dispatcher
    revoker: Revoker
    drain: Drain
    admission: Admission


@dataclass
class CommandContext:
    conn: Connection
    services: Services
    realtime: Realtime


REALTIME = web.AppKey("realtime", Realtime)
