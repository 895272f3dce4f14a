"""``telehub import calls|activity|sites FILE``, ``telehub report monthly`` and
``telehub reports rebuild``.

Both run as the operator (the SYSTEM scope: a hub administrator). Registered on the main
command by ``hub/cli.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from hub.clock import SystemClock
from hub.errors import first_problem
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.terminal import err, out, run_with_database
from schemas.imports import ImportKind, ImportSummary
from schemas.reports import MonthlyReportQuery, ReportFormat

T = TypeVar("T")

import_cli = typer.Typer(
    help="Import CSV files (calls, hospital activity, sites, the palliative register, deaths)."
)
report_cli = typer.Typer(help="Commissioner reports.", no_args_is_help=True)
reports_cli = typer.Typer(help="The counts the reports read.", no_args_is_help=True)
SHOWN_ERRORS = 50


def _import(kind: ImportKind, file: Path, skip_invalid: bool) -> None:
    from hub.imports.service import ImportService

    if not file.is_file():
        err.print(f"[red]telehub: no such file {file}[/red]")
        raise typer.Exit(2)

    size = file.stat().st_size

    async def work(db: Database, settings: HubSettings) -> ImportSummary:
        service = ImportService(db, SystemClock(), settings)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"Importing {kind.value}", total=size)
            return await service.run(
                SYSTEM,
                kind,
                file,
                skip_invalid=skip_invalid,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )

    summary = run_with_database(work)
    for error in summary.errors[:SHOWN_ERRORS]:
        err.print(f"line {error.line}: {error.reason}", markup=False)
    if len(summary.errors) > SHOWN_ERRORS:
        err.print(f"... and {len(summary.errors) - SHOWN_ERRORS} more invalid rows")
    out.print(summary.describe(), markup=False)
    if not summary.written:
        raise typer.Exit(1)


SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the valid rows and skip the invalid ones")
]
CsvFile = Annotated[Path, typer.Argument(help="UTF-8 CSV file with a header row")]


@import_cli.command("calls")
def import_calls(file: CsvFile, skip_invalid: SkipInvalid = False) -> None:
    """Historical calls: call_id, site_ods, site_kind, channel, started_at, answered_at,
    ended_at, nhs_number, reason, home_intent, nurse_counterfactual, disposition,
    escalations, ed_within_72h, admitted_within_72h."""
    _import(ImportKind.CALLS, file, skip_invalid)


@import_cli.command("activity")
def import_activity(file: CsvFile, skip_invalid: SkipInvalid = False) -> None:
    """Hospital activity: site_ods, month, ed_attendances, emergency_admissions, bed_days,
    residents."""
    _import(ImportKind.ACTIVITY, file, skip_invalid)


@import_cli.command("sites")
def import_sites(file: CsvFile, skip_invalid: SkipInvalid = False) -> None:
    """Sites: site_ods, name, site_kind, beds, commissioner_ods, go_live."""
    _import(ImportKind.SITES, file, skip_invalid)


@import_cli.command("register")
def import_register(file: CsvFile, skip_invalid: SkipInvalid = False) -> None:
    """The palliative (Gold Line) register: site_ods, nhs_number, preferred_place_of_care,
    preferred_place_of_death, respect_status, respect_date, anticipatory_medicines,
    anticipatory_medicines_date, district_nurse_team, gp_practice, hospice, lpa_health,
    joined_on. A changed entry is a new version; the earlier ones are kept."""
    _import(ImportKind.REGISTER, file, skip_invalid)


@import_cli.command("deaths")
def import_deaths(file: CsvFile, skip_invalid: SkipInvalid = False) -> None:
    """Deaths of people on the palliative register: nhs_number, died_on, place."""
    _import(ImportKind.DEATHS, file, skip_invalid)


@report_cli.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option(help="YYYY-MM, a calendar month in UK time")],
    commissioner: Annotated[str | None, typer.Option(help="ODS code of a commissioner")] = None,
    site: Annotated[str | None, typer.Option(help="ODS code of one site")] = None,
    format: Annotated[ReportFormat, typer.Option(help="Output format")] = ReportFormat.JSON,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout")] = None,
    cost_table: Annotated[Path | None, typer.Option(help="A unit-cost table (TOML)")] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="Every commissioner's report and the hub totals, in one run (JSON)"
        ),
    ] = False,
) -> None:
    """One month's report for a commissioner's area or one site, or with --all every
    commissioner's report and the hub totals (``schemas.reports.HubReport``, JSON)."""
    from pydantic import ValidationError

    from hub.reports.costs import CostTableError, load_cost_table
    from hub.reports.engine import ReportService
    from hub.reports.render import render

    try:
        query = MonthlyReportQuery(month=month, commissioner=commissioner, site=site, format=format)
        costs = load_cost_table(cost_table) if cost_table else None
    except ValidationError as exc:
        err.print(f"[red]telehub: {first_problem(exc)}[/red]")
        raise typer.Exit(2) from None
    except (CostTableError, OSError) as exc:
        err.print(f"[red]telehub: {exc}[/red]")
        raise typer.Exit(2) from None
    if every and (commissioner or site or format is not ReportFormat.JSON):
        err.print("[red]telehub: --all is every commissioner, as JSON: drop the rest[/red]")
        raise typer.Exit(2)
    if not commissioner and not site and not every:
        err.print("[red]telehub: name a --commissioner or a --site, or give --all[/red]")
        raise typer.Exit(2)

    async def work(db: Database, settings: HubSettings) -> bytes:
        service = ReportService(db, SystemClock(), settings, costs)
        if every:
            from hub.reports.hub_wide import hub_wide

            hub = await hub_wide(service, SYSTEM, query.month)
            return hub.model_dump_json(indent=2).encode()
        report = await service.monthly(SYSTEM, query)
        return render(report, query.format, base_url=str(settings.public_base_url))

    body = run_with_database(work)
    if out_file is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        out_file.write_bytes(body)
        err.print(f"Wrote {out_file} ({len(body):,} bytes).")


@reports_cli.command("rebuild")
def reports_rebuild() -> None:
    """Recompute the per-site, per-month counts the reports read from the calls (they are
    kept as calls change; this is for after a restore or a fix to the counting rules)."""
    from hub.reports.rebuild import rebuild_counts

    async def work(db: Database, settings: HubSettings) -> int:
        return await rebuild_counts(db, SystemClock(), SYSTEM)

    rows = run_with_database(work)
    out.print(f"Rebuilt the report counts: {rows:,} site-months.")
