"""Every piece of shared application state, as a typed key on the web.Application."""

from __future__ import annotations

from aiohttp import web

from hub.audit.service import AuditService
from hub.auth.service import IdentityService
from hub.broker.base import Broker
from hub.clock import Clock
from hub.realtime.services import Realtime
from hub.records import RecordsService
from hub.settings import HubSettings
from hub.storage.engine import Database

SETTINGS = web.AppKey("settings", HubSettings)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", Database)
IDENTITY = web.AppKey("identity", IdentityService)
RECORDS = web.AppKey("records", RecordsService)
REALTIME = web.AppKey("realtime", Realtime)
BROKER = web.AppKey("broker", Broker)
AUDIT = web.AppKey("audit", AuditService)
