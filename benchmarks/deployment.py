"""The deployment a process benchmark runs real ``telehub serve`` processes on: a schema of
the run's own on the PostgreSQL at ``--pg`` (dropped at the end), a redis-server of the
run's own on a spare port, and the fault suite's world migrated into the schema.

Imported by the ``bench_*`` scripts after they have put the repository and ``tests/`` on
``sys.path`` (the fault suite's helpers are ``support.*``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from support.pg_schema import fresh_schema
from support.servers import RedisServer
from support.world import World, build_world


@dataclass(frozen=True, slots=True)
class Deployment:
    """What the hub processes a benchmark starts share; ``workdir`` is a temporary
    directory (the Redis's, and the place for the processes' own files)."""

    settings: HubSettings
    db: Database
    world: World
    workdir: Path


@asynccontextmanager
async def deployment(pg: str, prefix: str) -> AsyncIterator[Deployment]:
    """A fresh schema and Redis, migrated, with the world built; all of it gone at the end.
    ``prefix`` names the temporary directory (``bench-delivery-``, …)."""
    async with fresh_schema(pg, "bench") as schema:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            redis = RedisServer(Path(tmp))
            redis.start()
            settings = HubSettings(
                environment="test",
                database_url=pg,
                database_schema=schema,
                broker_url=redis.url,
            )
            db = Database.from_settings(settings)
            try:
                await upgrade(db)
                world = await build_world(db)
                yield Deployment(settings, db, world, Path(tmp))
            finally:
                await db.close()
                redis.kill()


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes, as the tables print it."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
