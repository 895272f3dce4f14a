"""Alembic environment: migrations run on a connection handed over by hub.storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hub.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `telehub db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
