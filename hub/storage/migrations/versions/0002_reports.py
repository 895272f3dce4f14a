"""Reports: imported hospital activity per site per month

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:34:17
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hospital_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("ed_attendances", sa.Integer(), nullable=False),
        sa.Column("emergency_admissions", sa.Integer(), nullable=False),
        sa.Column("bed_days", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "month", name="uq_hospital_activity_site_month"),
    )


def downgrade() -> None:
    op.drop_table("hospital_activity")
