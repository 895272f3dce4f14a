"""Per-site, per-month report counts, filled from the calls already stored

Revision ID: 0008_aggregates
Revises: 0007_faults
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_aggregates"
down_revision = "0007_faults"
branch_labels = None
depends_on = None

COUNTS = (
    "calls",
    "technical_failures",
    "no_outcome",
    *(
        f"{measure}_{kind}"
        for measure in ("ambulance", "ed_attendance", "admission")
        for kind in ("claimed", "confirmed", "unverified", "refuted")
    ),
    "gp_contact_claimed",
)


def upgrade() -> None:
    op.create_table(
        "report_site_month",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(["site_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("site_id", "month"),
    )
    # The calls already stored are counted by the same code as ``telehub reports rebuild``.
    from hub.storage.repos.aggregates import rebuild_sync

    rebuild_sync(op.get_bind())


def downgrade() -> None:
    op.drop_table("report_site_month")
