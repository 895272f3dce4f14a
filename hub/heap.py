"""The hub process's heap: keep start-up objects out of the garbage collector's full scans.

A full collection walks every object the collector tracks, and the pause it causes lands on
every socket at once. About half of what a running hub tracks was made at start-up and lives
as long as the process: modules, classes, functions, validators, the app and its routes.
Frozen once the hub is up, they are never walked again, so each full collection only walks
what came later (the sockets and their calls), and its pause is shorter.
"""

from __future__ import annotations

import gc

from aiohttp import web


def freeze_long_lived() -> None:
    """Free what is garbage now, then take everything still alive out of full collections
    for good."""
    gc.collect()
    gc.freeze()


async def freeze_startup_objects(_app: web.Application) -> None:
    """An ``on_startup`` hook for a serving process (not for tests, which start many apps)."""
    freeze_long_lived()
