"""The hub under test: the real app from ``create_app`` on a given database, nothing else.

Run as ``python -m benchmarks.hub_server --database-url sqlite+aiosqlite:///... --core 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from hub.app import create_app
from hub.settings import HubSettings

from .serving import pin_to_core, raise_fd_limit, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--core", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    args = parser.parse_args()
    pin_to_core(args.core)
    raise_fd_limit()
    logging.basicConfig(level=logging.WARNING, format="hub: %(levelname)s %(name)s %(message)s")
    # The per-socket command budget is still checked on every command, but set out of reach:
    # a pair here relays as fast as the hub can go, far past what one tablet ever sends, and
    # the benchmark measures the hub's cost, not its refusals.
    settings = HubSettings(
        environment="development",
        database_url=args.database_url,
        command_rate_per_second=1_000_000,
        command_burst=1_000_000,
        # Thousands of tablets connect from this one loopback address: the per-address
        # limit on websocket credentials is for guessers, not for the benchmark's crowd.
        rate_ws_credential="1000000/minute",
    )
    asyncio.run(serve(create_app(settings), max_seconds=args.max_seconds))


if __name__ == "__main__":
    main()
