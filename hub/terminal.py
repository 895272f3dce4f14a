"""What every ``telehub`` command shares: its consoles, the settings, and one piece of
async work against the configured database with errors printed as one line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from hub.errors import HubError
from hub.settings import HubSettings, SettingsError, load_settings
from hub.storage.engine import Database

T = TypeVar("T")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> HubSettings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]telehub: bad setting {exc}[/red]")
        raise typer.Exit(2) from None


def run_with_database(work: Callable[[Database, HubSettings], Awaitable[T]]) -> T:
    """Run one piece of async work against the configured database, then close it."""
    settings = settings_or_exit()

    async def with_database() -> T:
        db = Database.from_settings(settings)
        try:
            return await work(db, settings)
        finally:
            await db.close()

    try:
        return asyncio.run(with_database())
    except HubError as exc:
        err.print(f"[red]telehub: {exc.message}[/red]")
        raise typer.Exit(1) from None
