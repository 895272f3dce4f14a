"""Issue 16, catch-up after a Redis outage: a thread's messages published while one
process could not reach Redis go out once it can, in order; its stale signalling does not.

The publisher loses Redis on its own (its Redis user disabled and its connections cut, on a
redis-server of the test's own) while the receiver stays subscribed, so what the receiver
hears is only what the publisher sent after it was back."""

from __future__ import annotations

from redis.asyncio import Redis

from hub.broker import topics
from hub.broker.redis import NO_ONE, RedisBroker
from support.inbox import Inbox
from support.servers import RedisServer, eventually

CHANNEL = "telehub:outage:events"
USER, PASSWORD = "publisher", "publisher-password"


async def test_messages_published_while_redis_was_away_go_out_once_it_is_back(
    redis: RedisServer,
) -> None:
    admin = Redis.from_url(redis.url)
    await admin.execute_command(
        "ACL", "SETUSER", USER, "on", f">{PASSWORD}", "allcommands", "allchannels"
    )
    own_url = redis.url.replace("redis://", f"redis://{USER}:{PASSWORD}@")
    publisher = RedisBroker(own_url, channel=CHANNEL)
    receiver = RedisBroker(redis.url, channel=CHANNEL)
    inbox = Inbox()
    await receiver.start(inbox.deliver, inbox.on_gap)
    await publisher.start(Inbox().deliver, Inbox().on_gap)
    try:
        await publisher.publish(topics.HUB_THREAD, '{"n":0}', seq=1)
        await inbox.wait_for(1)

        await admin.execute_command("ACL", "SETUSER", USER, "off")
        await admin.execute_command("CLIENT", "KILL", "USER", USER)
        await publisher.publish(topics.HUB_THREAD, '{"n":1}', seq=2)  # its batch fails
        await eventually(lambda: not publisher.healthy)
        # Committed while the publisher cannot reach Redis: waiting in its outbox.
        await publisher.publish(topics.HUB_THREAD, '{"n":2}', seq=3)
        await publisher.publish(topics.participant("device:1"), '{"offer":"stale"}')
        await publisher.publish(topics.HUB_THREAD, '{"n":3}', seq=4)

        await admin.execute_command("ACL", "SETUSER", USER, "on")
        await eventually(lambda: publisher.healthy)
        await eventually(lambda: any(e.topic == NO_ONE for e in inbox.envelopes))
        heard = [(e.topic, e.body) for e in inbox.envelopes if e.topic != NO_ONE]
        assert heard == [
            (topics.HUB_THREAD, '{"n":0}'),
            (topics.HUB_THREAD, '{"n":2}'),  # the one whose publish failed is left to catch-up
            (topics.HUB_THREAD, '{"n":3}'),
        ]
        await eventually(lambda: inbox.gaps >= 1)  # the failed batch's gap: a catch-up
    finally:
        await publisher.close()
        await receiver.close()
        await admin.aclose()
