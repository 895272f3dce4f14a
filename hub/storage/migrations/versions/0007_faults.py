"""Hub processes and which one holds each participant's socket (restarts, kill -9)

Revision ID: 0007_faults
Revises: 0007_sessions
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_faults"
down_revision = "0007_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_process",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column(
        "callparticipant",
        sa.Column("process_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("callparticipant", schema=None) as batch_op:
        batch_op.drop_column("process_id")
    op.drop_table("hub_process")
