"""Two deployments on one Redis server do not hear each other (issue 16 item 3).

Redis pub/sub ignores the db number, so `redis://…/1` and `redis://…/2` share every
channel: each deployment's channel is named after it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.broker import broker_for
from hub.settings import HubSettings
from support.inbox import Inbox

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "")
pytestmark = pytest.mark.redis


def _on_db(number: int) -> str:
    base, _, _ = REDIS_URL.rpartition("/")
    return f"{base}/{number}"


def test_the_namespace_comes_from_the_database_not_its_password(tmp_path: Path) -> None:
    pg = "postgresql+asyncpg://hub:{}@db.example:5432/telehub"
    one = HubSettings(database_url=pg.format("old"), database_schema="north")
    rotated = HubSettings(database_url=pg.format("new"), database_schema="north")
    other_schema = HubSettings(database_url=pg.format("old"), database_schema="south")
    assert one.deployment == rotated.deployment  # a password change keeps the channel
    assert one.deployment != other_schema.deployment
    named = HubSettings(database_url=pg.format("old"), broker_namespace="region-7")
    assert named.deployment == "region-7"
    a = HubSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.sqlite3")
    b = HubSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/b.sqlite3")
    assert a.deployment != b.deployment


async def test_two_deployments_on_one_redis_hear_only_their_own(tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip("HUB_TEST_REDIS_URL is not set (make test sets it)")
    north = HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/north.sqlite3", broker_url=_on_db(1)
    )
    south = HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/south.sqlite3", broker_url=_on_db(2)
    )
    north_1, north_2, south_1 = broker_for(north), broker_for(north), broker_for(south)
    heard = {"north_2": Inbox(), "south_1": Inbox()}
    await north_1.start(Inbox().deliver, Inbox().on_gap)
    await north_2.start(heard["north_2"].deliver, heard["north_2"].on_gap)
    await south_1.start(heard["south_1"].deliver, heard["south_1"].on_gap)
    try:
        await north_1.publish("thread:hub", '{"body":"north only"}', seq=1)
        await heard["north_2"].wait_for(1)  # the other process of the same deployment
        # Redis delivers publishes in the order it took them: had south subscribed to
        # north's channel, north's doorbell would reach it before south's own.
        await south_1.publish("thread:hub", '{"body":"south"}', seq=1)
        got = await heard["south_1"].wait_for(1)
        assert [e.body for e in got] == ['{"body":"south"}']
        assert [e.body for e in heard["north_2"].envelopes] == ['{"body":"north only"}']
    finally:
        for broker in (north_1, north_2, south_1):
            await broker.close()
