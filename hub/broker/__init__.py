"""Brokers between hub processes: in-memory for one process, Redis for several."""

from __future__ import annotations

from hub.settings import HubSettings

from .base import Broker


def broker_for(settings: HubSettings) -> Broker:
    url = settings.broker_url
    if url.startswith("memory://"):
        from .memory import MemoryBroker

        return MemoryBroker()
    from .redis import RedisBroker, channel_for

    return RedisBroker(url, channel=channel_for(settings.deployment))
