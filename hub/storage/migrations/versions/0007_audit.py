"""The audit trail: whose record each row is about, and a hash chain over the rows

Revision ID: 0007_audit
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hub.storage.chain import GENESIS, digest
from hub.storage.tables import AuditEvent

revision = "0007_audit"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = (
    "id",
    "at",
    "actor",
    "organisation_id",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "detail",
)


def upgrade() -> None:
    op.add_column("auditevent", sa.Column("person_id", sa.Integer(), nullable=True))
    op.add_column("auditevent", sa.Column("seq", sa.Integer(), nullable=True))
    for name in ("prev_hash", "row_hash"):
        op.add_column(
            "auditevent",
            sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        )
    op.create_index("ix_audit_person", "auditevent", ["person_id"])
    op.create_index("ix_audit_actor", "auditevent", ["actor"])
    op.create_index("ix_audit_seq", "auditevent", ["seq"], unique=True)
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Chain the rows written before this revision, oldest first, so the whole trail verifies.
    conn = op.get_bind()
    types = {"at": sa.DateTime(timezone=True), "detail": sa.JSON(), "organisation_id": sa.Integer()}
    table = sa.table(
        "auditevent",
        *(sa.column(c, types.get(c)) for c in _COLUMNS),
        sa.column("seq"),
        sa.column("prev_hash"),
        sa.column("row_hash"),
    )
    prev, seq = GENESIS, 0
    for found in conn.execute(sa.select(*(table.c[c] for c in _COLUMNS)).order_by(table.c.id)):
        seq += 1
        values = dict(found._mapping)
        row = AuditEvent(**values, seq=seq)
        row_hash = digest(row, prev)
        conn.execute(
            table.update()
            .where(table.c.id == values["id"])
            .values(seq=seq, prev_hash=prev, row_hash=row_hash)
        )
        prev = row_hash
    op.bulk_insert(head, [{"id": 1, "seq": seq, "last_hash": prev}])


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_seq", table_name="auditevent")
    op.drop_index("ix_audit_actor", table_name="auditevent")
    op.drop_index("ix_audit_person", table_name="auditevent")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        for name in ("row_hash", "prev_hash", "seq", "person_id"):
            batch_op.drop_column(name)
