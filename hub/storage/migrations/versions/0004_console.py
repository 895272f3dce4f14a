"""The triage console: wrap-up drafts that survive a closed tab, and who is on shift

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:53:23.638271
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["hub_user.id"], name="fk_shift_presence_user"),
        sa.PrimaryKeyConstraint("user_id", name="pk_shift_presence"),
    )
    op.create_table(
        "wrapup_draft",
        sa.Column("call_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], name="fk_wrapup_draft_call"),
        sa.ForeignKeyConstraint(["user_id"], ["hub_user.id"], name="fk_wrapup_draft_user"),
        sa.PrimaryKeyConstraint("call_id", "user_id", name="pk_wrapup_draft"),
    )


def downgrade() -> None:
    op.drop_table("wrapup_draft")
    op.drop_table("shift_presence")
