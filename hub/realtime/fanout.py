"""Publishing events after a commit: the services' only way to reach connected clients."""

from __future__ import annotations

from pydantic import BaseModel

from hub.broker.base import Broker


class Fanout:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    async def event(self, topic: str, body: BaseModel) -> None:
        await self.broker.publish(topic, body.model_dump(mode="json"))
