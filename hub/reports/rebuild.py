"""``telehub reports rebuild``: recompute the per-site, per-month counts the reports read
from the calls themselves, in one transaction (a report opened meanwhile reads the counts
as they were until it commits)."""

from __future__ import annotations

from hub.clock import Clock
from hub.storage.engine import Database
from hub.storage.repos.aggregates import AggregateRepo
from hub.storage.repos.audit import AuditRepo
from hub.storage.scope import Scope


async def rebuild_counts(db: Database, clock: Clock, scope: Scope) -> int:
    """Rebuild every site's counts; returns how many (site, month) rows there now are."""
    async with db.session() as s:
        written = await AggregateRepo(s).rebuild(scope)
        await AuditRepo(s, clock).note(
            scope,
            "report_counts_rebuilt",
            target_type="hub",
            target_id="report_site_month",
            detail={"rows": written},
        )
    return written
