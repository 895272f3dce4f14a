"""The ``telehub`` command: serve, migrate, demo data, users and devices."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from hub.audit.cli import audit_cli
from hub.auth.service import IdentityService
from hub.clock import SystemClock
from hub.errors import first_problem
from hub.reports.cli import import_cli, report_cli, reports_cli
from hub.settings import HubSettings, SettingsError
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from hub.storage.scope import SYSTEM
from hub.terminal import err, out, run_with_database, settings_or_exit

cli = typer.Typer(help="The telehealth hub.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
user_cli = typer.Typer(help="Staff accounts.", no_args_is_help=True)
device_cli = typer.Typer(help="Care-home tablets.", no_args_is_help=True)
schemas_cli = typer.Typer(help="Wire and API schemas.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(user_cli, name="user")
cli.add_typer(device_cli, name="device")
cli.add_typer(schemas_cli, name="schemas")
cli.add_typer(import_cli, name="import")
cli.add_typer(report_cli, name="report")
cli.add_typer(reports_cli, name="reports")
cli.add_typer(audit_cli, name="audit")


@cli.command()
def serve(
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first")] = True,
) -> None:
    """Run the hub."""
    from aiohttp import web

    from hub.app import create_app
    from hub.heap import freeze_startup_objects
    from hub.http.runner import runner_options
    from hub.realtime.endpoint import exit_after_drain

    settings = settings_or_exit()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if migrate:
        run_with_database(_upgrade)
    out.print(f"Telehealth hub on http://{settings.host}:{settings.port}/ (Ctrl-C stops it)")
    app = create_app(settings)
    app.on_startup.append(freeze_startup_objects)
    app.on_startup.append(exit_after_drain)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=settings.drain_seconds,
        **runner_options(),
    )


async def _upgrade(db: Database, _settings: HubSettings) -> None:
    await upgrade(db)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    run_with_database(_upgrade)
    out.print("Database is up to date.")


@cli.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed")] = 2026,
    months: Annotated[int, typer.Option(help="Months of call history", min=0, max=60)] = 12,
) -> None:
    """Load demo data (idempotent: does nothing if the demo hub already exists)."""
    from hub.demo import load_demo

    async def work(db: Database, settings: HubSettings) -> None:
        await upgrade(db)
        summary = await load_demo(db, SystemClock(), seed=seed, months=months)
        out.print(summary.describe(settings))

    run_with_database(work)


@user_cli.command("add")
def user_add(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="care_home_staff, prison_staff, hub_nurse, specialist, hub_admin, "
            "clinical_lead or commissioner"
        ),
    ],
    organisation: Annotated[str, typer.Option(help="ODS code of the user's organisation")],
    name: Annotated[str, typer.Option(help="Display name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    specialty: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a member of staff."""
    from pydantic import ValidationError

    from schemas.api import UserCreate

    try:
        body = UserCreate(
            username=username,
            role=role,  # type: ignore[arg-type]
            organisation_ods=organisation,
            display_name=name,
            password=password,
            specialty=specialty,
        )
    except ValidationError as exc:
        err.print(f"[red]telehub: {first_problem(exc)}[/red]")
        raise typer.Exit(2) from None

    async def work(db: Database, settings: HubSettings) -> None:
        user = await IdentityService(db, SystemClock(), settings).add_user(SYSTEM, body)
        out.print(f"Added {user.username} ({user.role}).")

    run_with_database(work)


@user_cli.command("pin")
def user_pin(
    username: str,
    pin: Annotated[
        str | None, typer.Option(help="4 to 8 digits; asked for (hidden) when not given")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Take the PIN away")] = False,
) -> None:
    """Give a member of care-home staff a PIN to sign calls on their home's shared tablet."""
    if not clear and pin is None:
        pin = typer.prompt("PIN", hide_input=True, confirmation_prompt=True)

    async def work(db: Database, settings: HubSettings) -> None:
        user = await IdentityService(db, SystemClock(), settings).set_pin(
            SYSTEM, username, None if clear else pin
        )
        out.print(f"PIN {'removed from' if clear else 'set for'} {user.username}.")

    run_with_database(work)


@device_cli.command("enrol")
def device_enrol(
    site: Annotated[str, typer.Option(help="ODS code of the site")],
    label: Annotated[str, typer.Option(help="A name staff will recognise, e.g. 'Lounge tablet'")],
    person: Annotated[
        str | None,
        typer.Option(help="NHS number of the one person an own-home device is for"),
    ] = None,
    relationship: Annotated[
        str, typer.Option(help="Who will hold it: patient or carer (with --person)")
    ] = "patient",
) -> None:
    """Register a tablet for a site (or, with --person, for one person at home: it reads
    their record alone) and print its one-time enrolment code."""
    from pydantic import ValidationError

    from schemas.api import DeviceCreate

    try:
        data = DeviceCreate(
            site_ods=site,
            label=label,
            person_nhs_number=person,
            relationship=relationship if person is not None else None,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        err.print(f"telehub: {problems}")
        raise typer.Exit(2) from None

    async def work(db: Database, settings: HubSettings) -> None:
        device, ods, code = await IdentityService(db, SystemClock(), settings).create_enrolment(
            SYSTEM, data
        )
        whose = f" (for one person, held by the {device.relationship})" if device.person_id else ""
        out.print(f"Device {device.id} for {ods}{whose}: enrolment code [bold]{code}[/bold]")
        out.print(f"Valid until {device.enrolment_expires_at:%Y-%m-%d %H:%M} UTC; it works once.")

    run_with_database(work)


@device_cli.command("revoke")
def device_revoke(device_id: int) -> None:
    """Revoke a tablet: it is signed out at once and can never sign in again."""

    from hub.broker.oneshot import RingRevocations

    async def work(db: Database, settings: HubSettings) -> None:
        identity = IdentityService(db, SystemClock(), settings)
        identity.revocations = bell = RingRevocations(settings)
        await identity.revoke_device(SYSTEM, device_id)
        out.print(f"Device {device_id} revoked.")
        if not bell.rung:  # one process on the in-memory broker: it finds it in the database
            out.print("Its open sessions end when the hub next checks (within 30 s).")

    run_with_database(work)


@schemas_cli.command("export")
def schemas_export() -> None:
    """Write JSON Schema for every wire message and API body to schemas/json/, and the
    OpenAPI description of the HTTP API to schemas/openapi.json."""
    from hub.app import create_app
    from hub.http import openapi
    from schemas.export import export

    written = export()
    out.print(f"Wrote {len(written)} schema files to {written[0].parent}")
    spec = openapi.export(create_app(HubSettings(environment="test")))
    out.print(f"Wrote the OpenAPI description to {spec}")


def main() -> None:
    try:
        cli()
    except SettingsError as exc:  # pragma: no cover - settings errors are caught above
        err.print(f"telehub: bad setting {exc}")
        sys.exit(2)
