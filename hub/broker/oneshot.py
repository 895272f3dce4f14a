"""Doorbells from a process that runs no broker of its own: the command line. A revocation
made there (``telehub device revoke``) is written to the database first, then rung on the
deployment's Redis channel so every hub process closes the sockets it names at once.

With the in-memory broker (one hub process) there is no channel to ring: the process finds
the revocation in the database (``hub/realtime/revocation.py``, ``RECHECK_SECONDS``)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.settings import HubSettings
from schemas.broker import ENVELOPE, REVOCATION, Revocation

from . import topics
from .base import Positions
from .redis import TIMEOUT_SECONDS, channel_for

log = logging.getLogger("hub.broker")


async def ring_once(settings: HubSettings, topic: str, body: str) -> bool:
    """Publish one envelope (from a fresh origin, so no receiver reads it as a gap);
    whether it reached Redis. Never raises: the database already has the truth."""
    if settings.broker_url.startswith("memory://"):
        return False
    envelope = Positions().envelope(topic, body)
    client = Redis.from_url(
        settings.broker_url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    try:
        await client.publish(channel_for(settings.deployment), ENVELOPE.dump_json(envelope))
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not ring the hub processes (%s)", type(exc).__name__)
        return False
    finally:
        await client.aclose()


class RingRevocations:
    """The command line's revocation sink (``IdentityService.revocations``)."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.rung = False

    async def revoke(self, revocation: Revocation) -> None:
        body = REVOCATION.dump_json(revocation).decode()
        self.rung = await ring_once(self.settings, topics.REVOCATIONS, body)
