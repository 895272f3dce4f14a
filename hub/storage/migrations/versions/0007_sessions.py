"""Sessions: tickets bound to the session that issued them, an idle timeout, atomic PIN
tries, and one resident record per person per site (registering tells no site who is known
at another)

Revision ID: 0007_sessions
Revises: 0007_audit
Create Date: 2026-12-02 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_sessions"
down_revision = "0007_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_ticket_session_id", "websession", ["session_id"], ["id"])
    op.add_column(
        "websession", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "device", sa.Column("pin_tries", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "device",
        sa.Column("pin_window_started_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_nhs_number")
        batch_op.create_index("ix_person_nhs_number", ["nhs_number"], unique=False)
        batch_op.create_unique_constraint("uq_person_site_nhs", ["site_id", "nhs_number"])


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("uq_person_site_nhs", type_="unique")
        batch_op.drop_index("ix_person_nhs_number")
        batch_op.create_index("ix_person_nhs_number", ["nhs_number"], unique=True)
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("pin_window_started_at")
        batch_op.drop_column("pin_tries")
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ticket_session_id", type_="foreignkey")
        batch_op.drop_column("session_id")
