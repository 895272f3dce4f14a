"""Redis pub/sub broker for several hub processes behind a load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from schemas.broker import ENVELOPE

from .base import Deliver, OnGap, Positions

log = logging.getLogger("hub.broker")
CHANNEL = "telehub:events"


class RedisBroker:
    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        self._redis = Redis.from_url(url)
        self._channel = channel
        self._positions = Positions()
        self.origin = self._positions.origin
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:
        """Subscribe before returning, so nothing published after start is missed."""
        self._task = asyncio.create_task(self._listen(deliver, on_gap), name="redis-broker")
        waiter = asyncio.create_task(self._subscribed.wait())
        done, _ = await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            waiter.cancel()
            self._task.result()  # raises why the broker could not start

    async def _listen(self, deliver: Deliver, on_gap: OnGap) -> None:
        first = True
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    if not first:
                        self._positions.forget()
                        await on_gap()  # we may have missed doorbells while away
                    first = False
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        envelope = ENVELOPE.validate_json(message["data"])
                        if self._positions.is_gap(envelope):
                            await on_gap()
                        deliver(envelope)
            except (RedisConnectionError, OSError) as exc:
                if first:
                    raise
                log.warning("broker connection lost (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(0.5)

    async def publish(
        self, topic: str, body: str, *, seq: int = 0, call_id: str | None = None
    ) -> None:
        envelope = self._positions.envelope(topic, body, seq, call_id)
        await self._redis.publish(self._channel, ENVELOPE.dump_json(envelope))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._redis.aclose()
