"""``telehub audit verify``: walk the audit trail's hash chain and name the first broken row.

Registered on the main command by ``hub/cli.py``.
"""

from __future__ import annotations

import typer

from hub.clock import SystemClock
from hub.settings import HubSettings
from hub.storage.chain import Verdict
from hub.storage.engine import Database
from hub.terminal import err, out, run_with_database

from .service import AuditService

audit_cli = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check that no audit row has been changed, removed or added out of turn."""

    async def work(db: Database, _settings: HubSettings) -> Verdict:
        return await AuditService(db, SystemClock()).verify()

    verdict = run_with_database(work)
    if verdict.ok:
        out.print(f"Audit trail intact: {verdict.rows} rows, each following the one before.")
        return
    where = f"row id {verdict.broken_id}" if verdict.broken_id is not None else "the chain head"
    seq = f" (position {verdict.broken_seq})" if verdict.broken_seq is not None else ""
    err.print(
        f"[red]telehub: audit trail broken at {where}{seq}: {verdict.reason}; "
        f"{verdict.rows} rows before it verify.[/red]"
    )
    raise typer.Exit(1)
