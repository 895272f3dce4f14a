"""Schema migrations (Alembic), run on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from .engine import Database

_MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade(db: Database, to: str = "head") -> None:
    """Bring the database to the latest revision (or to revision ``to``: the migration
    tests stop before the revision they test and write the rows it must carry over)."""

    def run(connection: Connection) -> None:
        command.upgrade(_config(connection), to)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(db: Database, to: str) -> None:
    """Take the database back to revision ``to``."""

    def run(connection: Connection) -> None:
        command.downgrade(_config(connection), to)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def current_revision(db: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as conn:
        return await conn.run_sync(read)


async def autogenerate(db: Database, message: str) -> None:
    """For developers: write a new revision from the difference between tables and database."""

    def run(connection: Connection) -> None:
        command.revision(_config(connection), message=message, autogenerate=True)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
