"""Care-home staff PINs: staff on a shared tablet can sign a call with their own PIN

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "hub_user",
        sa.Column("pin_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("hub_user", schema=None) as batch_op:
        batch_op.drop_column("pin_hash")
