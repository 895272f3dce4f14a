"""Monthly reports read the call codes from the (local_month, site_id) index itself

The report's trend window (24 months of per-site counts and avoided-admission claims) and
its year to date counted calls through ``ix_call_month_site`` but then fetched every call's
row for its codes: ~80,000 and ~40,000 row lookups for a national-sized commissioner. The
index now carries the five codes the rules read, with the nurse's counterfactual third so
the avoided-admission series seeks straight to the calls judged likely to be admitted. It
replaces the narrow index (its first two columns are the same), so the call table keeps
eight indexes and a bulk import pays for no more.

Building it takes a write lock on the call table on PostgreSQL for the length of the build
(seconds for millions of calls); run ``telehub db upgrade`` as the operations guide says,
before the new release starts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = [
    "local_month",
    "site_id",
    "nurse_counterfactual",
    "disposition",
    "home_intent",
    "ed_within_72h",
    "admitted_within_72h",
]


def upgrade() -> None:
    op.create_index("ix_call_month_site_facts", "call", COLUMNS, unique=False)
    op.drop_index("ix_call_month_site", table_name="call")


def downgrade() -> None:
    op.create_index("ix_call_month_site", "call", ["local_month", "site_id"], unique=False)
    op.drop_index("ix_call_month_site_facts", table_name="call")
