"""Brokers between hub processes: in-memory for one process, Redis for several."""

from __future__ import annotations

from .base import Broker


def broker_for(url: str) -> Broker:
    if url.startswith("memory://"):
        from .memory import MemoryBroker

        return MemoryBroker()
    from .redis import RedisBroker

    return RedisBroker(url)
