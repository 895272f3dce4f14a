"""The palliative (Gold Line) register: a person's entry, one row per version (amend-only),
the deaths the hub learns of, and a Gold Line call's outcome

Revision ID: 0010_gold_register
Revises: 0010_advice_to_home
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_gold_register"
down_revision = "0010_advice_to_home"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("call", sa.Column("gold_line_outcome", S(length=24), nullable=True))
    op.create_table(
        "palliative_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("preferred_place_of_care", S(length=16), nullable=False),
        sa.Column("preferred_place_of_death", S(length=16), nullable=False),
        sa.Column("respect_status", S(length=32), nullable=False),
        sa.Column("respect_date", sa.Date(), nullable=True),
        sa.Column("anticipatory_medicines", S(length=8), nullable=False),
        sa.Column("anticipatory_medicines_date", sa.Date(), nullable=True),
        sa.Column("district_nurse_team", S(length=200), nullable=True),
        sa.Column("gp_practice", S(length=200), nullable=True),
        sa.Column("hospice", S(length=200), nullable=True),
        sa.Column("lpa_health", S(length=8), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("source", S(length=8), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["hub_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "version", name="uq_palliative_version"),
    )
    op.create_index("ix_palliative_entry_person_id", "palliative_entry", ["person_id"])
    op.create_table(
        "death",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=False),
        sa.Column("place", S(length=16), nullable=False),
        sa.Column("source", S(length=8), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["hub_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_death_person_id", "death", ["person_id"], unique=True)
    op.create_index("ix_death_died_on", "death", ["died_on"])


def downgrade() -> None:
    op.drop_index("ix_death_died_on", table_name="death")
    op.drop_index("ix_death_person_id", table_name="death")
    op.drop_table("death")
    op.drop_index("ix_palliative_entry_person_id", table_name="palliative_entry")
    op.drop_table("palliative_entry")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("gold_line_outcome")
