"""The nurse's written advice to the home, part of a call's outcome (issue 17 item 4)

Revision ID: 0010_advice_to_home
Revises: 0008_home
Create Date: 2026-12-02 12:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_advice_to_home"
down_revision = "0008_home"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcome") as batch:
        batch.add_column(sa.Column("advice_to_home", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcome") as batch:
        batch.drop_column("advice_to_home")
