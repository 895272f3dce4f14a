"""Publishing events after a commit: the services' only way to reach connected clients.

Each event is serialised once here; every recipient, in every process, gets the same text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from hub.broker import topics
from hub.broker.base import Broker
from schemas.wire import CallEvent, MessageEvent


class Fanout:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        # An event already serialised, which changes no call and no thread (signalling):
        # the broker's own publish, bound here so the hot path has one coroutine the fewer.
        self.event_json: Callable[[str, str], Awaitable[None]] = broker.publish

    async def event(self, topic: str, body: BaseModel) -> None:
        seq, call_id = 0, None
        if isinstance(body, MessageEvent):
            message = body.message
            seq = getattr(message, topics.seq_field(topic)) or 0
        elif isinstance(body, CallEvent):
            call_id = body.call.id
        await self.broker.publish(topic, body.model_dump_json(), seq=seq, call_id=call_id)
