"""The disposition says only what happened clinically: ``call_failed_technical`` retired

Revision ID: 0011_clinical_disposition
Revises: 0010_gold_register
Create Date: 2026-12-02 17:15:00

Every call stored as ``call_failed_technical`` keeps its technical fact as the hub's
call-quality record (reporter ``hub``, ended by failure) and its disposition becomes
``not_recorded`` ("not recorded clinically"), on the call and on its outcome row. No row is
deleted. The per-site monthly counts need no change: their column ``technical_failures``
counts the calls with no clinical disposition, which these calls are before and after.
Amendments keep the values they recorded (a record's history is never rewritten).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_clinical_disposition"
down_revision = "0010_gold_register"
branch_labels = None
depends_on = None

RETIRED = "call_failed_technical"
NOT_RECORDED = "not_recorded"
HUB = "hub"  # hub.storage.repos.quality.HUB_REPORTER, as it was when this was written

call = sa.table(
    "call",
    sa.column("id", sa.String),
    sa.column("disposition", sa.String),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("ended_at", sa.DateTime(timezone=True)),
    sa.column("closed_at", sa.DateTime(timezone=True)),
)
outcome = sa.table("outcome", sa.column("call_id", sa.String), sa.column("disposition", sa.String))
quality = sa.table(
    "call_quality",
    sa.column("call_id", sa.String),
    sa.column("reporter", sa.String),
    sa.column("video_seconds", sa.Integer),
    sa.column("audio_only_seconds", sa.Integer),
    sa.column("reconnects", sa.Integer),
    sa.column("resumed", sa.Integer),
    sa.column("ended_by_failure", sa.Boolean),
    sa.column("reported_at", sa.DateTime(timezone=True)),
)


def _hub_record_of(call_id: sa.ColumnElement[str]) -> sa.Exists:
    return sa.exists().where(quality.c.call_id == call_id, quality.c.reporter == HUB)


def upgrade() -> None:
    failed = call.c.disposition == RETIRED
    op.execute(
        quality.insert().from_select(
            [c.name for c in quality.c],
            sa.select(
                call.c.id,
                sa.literal(HUB),
                *(sa.literal(0) for _ in range(4)),
                sa.true(),
                sa.func.coalesce(call.c.closed_at, call.c.ended_at, call.c.started_at),
            ).where(failed, ~_hub_record_of(call.c.id)),
        )
    )
    op.execute(call.update().where(failed).values(disposition=NOT_RECORDED))
    op.execute(
        outcome.update().where(outcome.c.disposition == RETIRED).values(disposition=NOT_RECORDED)
    )


def downgrade() -> None:
    was_failed = call.c.disposition == NOT_RECORDED
    op.execute(
        outcome.update()
        .where(
            outcome.c.disposition == NOT_RECORDED,
            sa.exists().where(quality.c.call_id == outcome.c.call_id, quality.c.reporter == HUB),
        )
        .values(disposition=RETIRED)
    )
    op.execute(
        call.update().where(was_failed, _hub_record_of(call.c.id)).values(disposition=RETIRED)
    )
    op.execute(quality.delete().where(quality.c.reporter == HUB))
