"""A recorded death can be corrected, amend-only: each death row is a version (the first is
1), a correction is the next version with its reason, and earlier versions are kept

Revision ID: 0012_death_corrections
Revises: 0011_clinical_disposition
Create Date: 2026-12-02 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_death_corrections"
down_revision = "0011_clinical_disposition"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.drop_index("ix_death_person_id", table_name="death")
    with op.batch_alter_table("death", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("reason", S(length=500), nullable=True))
        batch_op.create_unique_constraint("uq_death_version", ["person_id", "version"])
    with op.batch_alter_table("death", schema=None) as batch_op:
        batch_op.alter_column("version", server_default=None)
    op.create_index("ix_death_person_id", "death", ["person_id"], unique=False)


def downgrade() -> None:
    # Only the current version of each death survives a downgrade (one death per person).
    op.execute(
        "DELETE FROM death WHERE EXISTS (SELECT 1 FROM death AS newer"
        " WHERE newer.person_id = death.person_id AND newer.version > death.version)"
    )
    op.drop_index("ix_death_person_id", table_name="death")
    with op.batch_alter_table("death", schema=None) as batch_op:
        batch_op.drop_constraint("uq_death_version", type_="unique")
        batch_op.drop_column("reason")
        batch_op.drop_column("version")
    op.create_index("ix_death_person_id", "death", ["person_id"], unique=True)
