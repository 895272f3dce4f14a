"""People at home: a device enrolled to one person (and who holds it), and that person's own
message thread and photos

Revision ID: 0008_home
Revises: 0008_prison
Create Date: 2026-12-02 05:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_home"
down_revision = "0008_prison"
branch_labels = None
depends_on = None


def _person_column(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(f"ix_{table}_person_id", ["person_id"], unique=False)
        batch_op.create_foreign_key(f"fk_{table}_person_id", "person", ["person_id"], ["id"])


def upgrade() -> None:
    _person_column("device")
    op.add_column(
        "device",
        sa.Column("relationship", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    _person_column("message")
    op.add_column("message", sa.Column("person_seq", sa.Integer(), nullable=True))
    _person_column("photo")


def downgrade() -> None:
    for table in ("photo", "message", "device"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "message":
                batch_op.drop_column("person_seq")
            if table == "device":
                batch_op.drop_column("relationship")
            batch_op.drop_constraint(f"fk_{table}_person_id", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_person_id")
            batch_op.drop_column("person_id")
