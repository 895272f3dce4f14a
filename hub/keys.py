"""The application's shared plumbing, as typed keys on the web.Application.

The domain services are one object on one key, ``hub.services.SERVICES``; the websocket
side's own state is ``hub.realtime.context.REALTIME``.
"""

from __future__ import annotations

from aiohttp import web

from hub.broker.base import Broker
from hub.clock import Clock
from hub.settings import HubSettings
from hub.storage.engine import Database

SETTINGS = web.AppKey("settings", HubSettings)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", Database)
BROKER = web.AppKey("broker", Broker)
