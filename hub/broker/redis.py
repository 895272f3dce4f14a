"""Redis pub/sub broker for several hub processes behind a load balancer.

Each deployment has its own channel (``channel_for``): Redis pub/sub ignores the db
number, so two deployments on one Redis server would otherwise hear each other.

Envelopes leave in the order they were numbered, on one connection, from one publishing
task: pooled connections would let them reach Redis out of order, and every receiver would
read each reorder as a gap. ``publish`` never waits for Redis and never fails: the
database is the truth, so a write already committed is acknowledged whatever Redis does.
An envelope that cannot be sent is dropped; its receivers see the gap in positions (or
their own reconnection) and catch up from the database once Redis is back. Of what waited
behind it, a thread's messages go out when Redis answers again (``_keep_messages``); the
rest, stale by then, is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from schemas.broker import ENVELOPE, Envelope

from . import topics
from .base import Deliver, OnGap, Positions
from .catchup import CatchUp

log = logging.getLogger("hub.broker")
PUBLISH_BATCH = 200  # envelopes sent in one round trip, in order
PUBLISH_BACKLOG = 50_000  # beyond this a broker that is down is not worth queueing for
RETRY_SECONDS = 0.5
TIMEOUT_SECONDS = 2.0
NO_ONE = ""  # a topic nobody subscribes to


def channel_for(deployment: str) -> str:
    return f"telehub:{deployment}:events"


def _keep_messages(outbox: asyncio.Queue[Envelope]) -> int:
    """After an outage, keep what waited of the threads' messages, in order, and drop the
    rest (stale signalling, call changes: the database has the truth); how many dropped.

    A message committed while this process still thought Redis away, but after a receiver
    back on Redis had caught up from the database, reaches it only this way: that receiver
    forgot every origin's positions when its connection came back, so the gap this outage
    left is no gap to it. Dropped, the message waited for the client's own gap timer (2 s)
    behind the next one. A receiver that has it already shows it once (sequence numbers)."""
    waiting = [outbox.get_nowait() for _ in range(outbox.qsize())]
    kept = [envelope for envelope in waiting if topics.is_thread(envelope.topic)]
    for envelope in kept:
        outbox.put_nowait(envelope)
    return len(waiting) - len(kept)


class RedisBroker:
    def __init__(self, url: str, *, channel: str, timeout: float = TIMEOUT_SECONDS) -> None:
        """``timeout``: how long Redis may take to answer before it counts as away (what
        was being published then is dropped, and receivers catch up from the database)."""
        # Two clients: a subscription blocks its connection; publishing must not wait on it.
        self._redis = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        self._listener = Redis.from_url(
            url, socket_connect_timeout=timeout, health_check_interval=5
        )
        self._channel = channel
        self._positions = Positions()
        self.origin = self._positions.origin
        self._outbox: asyncio.Queue[Envelope] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._catch_up: CatchUp | None = None
        self._listening = False
        self._publishing = True

    @property
    def healthy(self) -> bool:
        """Subscribed, and the last attempt to publish reached Redis."""
        return self._listening and self._publishing

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:
        """Subscribe before returning, so nothing published after start is missed."""
        self._catch_up = CatchUp(on_gap)
        listen = asyncio.create_task(self._listen(deliver), name="redis-broker listen")
        self._tasks = [listen, asyncio.create_task(self._publish_forever(), name="redis-publish")]
        waiter = asyncio.create_task(self._subscribed.wait())
        done, _ = await asyncio.wait({waiter, listen}, return_when=asyncio.FIRST_COMPLETED)
        if listen in done:
            waiter.cancel()
            await self.close()
            listen.result()  # raises why the broker could not start

    async def _listen(self, deliver: Deliver) -> None:
        assert self._catch_up is not None
        first = True
        while True:
            try:
                async with self._listener.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._listening = True
                    self._subscribed.set()
                    if not first:
                        log.warning("broker connection back; catching up from the database")
                        self._positions.forget()
                        self._catch_up.wanted()  # we may have missed doorbells while away
                    first = False
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        envelope = ENVELOPE.validate_json(message["data"])
                        if self._positions.is_gap(envelope):
                            self._catch_up.wanted()
                        deliver(envelope)
            except (RedisError, OSError) as exc:
                if first:
                    raise
                if self._listening:
                    log.warning("broker connection lost (%s); reconnecting", type(exc).__name__)
                self._listening = False
                await asyncio.sleep(RETRY_SECONDS)

    async def publish(
        self, topic: str, body: str, *, seq: int = 0, call_id: str | None = None
    ) -> None:
        if self._outbox.qsize() >= PUBLISH_BACKLOG:
            return  # Redis has been away for a while: receivers will catch up
        self._outbox.put_nowait(self._positions.envelope(topic, body, seq, call_id))

    async def _publish_forever(self) -> None:
        outbox = self._outbox
        while True:
            batch = [await outbox.get()]
            while len(batch) < PUBLISH_BATCH and not outbox.empty():
                batch.append(outbox.get_nowait())
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for envelope in batch:
                        pipe.publish(self._channel, ENVELOPE.dump_json(envelope))
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                # Dropped: the gap in positions tells every receiver, ourselves included,
                # to catch up from the database when Redis is back.
                log.warning("broker publish failed (%s); dropping", type(exc).__name__)
                self._publishing = False
                await self._until_reachable()
                dropped = _keep_messages(outbox)
                self._publishing = True
                log.warning("broker publishing again (%d doorbells dropped)", dropped)
                # Receivers see the gap in positions at once, even if nothing else is
                # published for a while: a doorbell addressed to no one.
                outbox.put_nowait(self._positions.envelope(NO_ONE, "{}"))

    async def _until_reachable(self) -> None:
        """Until Redis answers a ping (a process that publishes rarely must not stay
        unready because its last publish failed)."""
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            try:
                await self._redis.ping()
                return
            except (RedisError, OSError):
                continue

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._catch_up is not None:
            await self._catch_up.close()
        await self._redis.aclose()
        await self._listener.aclose()
