"""A PostgreSQL schema of a test's or a benchmark's own, so runs sharing the machine's
PostgreSQL (and its ``test`` database) never see each other's rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def fresh_schema(url: str, prefix: str, *, name: str | None = None) -> AsyncIterator[str]:
    """A new, empty schema (``prefix`` and a random suffix, or ``name``: one left by an
    earlier run that was killed is dropped first), dropped with everything in it at the end.
    Raises ``OSError`` when the server cannot be reached."""
    schema = name or f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            yield schema
        finally:
            async with admin.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        await admin.dispose()
