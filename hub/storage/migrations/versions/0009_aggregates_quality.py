"""The clients' reports of how each call went (call/quality), apart from the outcome

Revision ID: 0009_aggregates_quality
Revises: 0008_aggregates
Create Date: 2026-12-02 06:25:00

(A revision of its own: 0008_aggregates was already merged when this was added.)
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_aggregates_quality"
down_revision = "0008_aggregates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_quality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("reporter", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("video_seconds", "audio_only_seconds", "reconnects", "resumed")
        ),
        sa.Column("ended_by_failure", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "reporter", name="uq_call_quality_reporter"),
    )
    op.create_index("ix_call_quality_call_id", "call_quality", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_call_quality_call_id", table_name="call_quality")
    op.drop_table("call_quality")
