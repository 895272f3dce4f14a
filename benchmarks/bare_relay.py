"""The floor: a bare aiohttp websocket relay. No auth, no validation, no JSON parsing.

A client connects to ``/ws?pair=<n>``; every text frame it sends goes, as it is, to the
other socket of pair ``n``. Run as ``python -m benchmarks.bare_relay --core 0``.
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import WSMsgType, web

from .serving import pin_to_core, raise_fd_limit, serve

PAIRS = web.AppKey("pairs", dict[str, list[web.WebSocketResponse]])


async def relay(request: web.Request) -> web.WebSocketResponse:
    pair = request.query.get("pair", "")
    ws = web.WebSocketResponse(max_msg_size=1024 * 1024, compress=False)
    await ws.prepare(request)
    members = request.app[PAIRS].setdefault(pair, [])
    members.append(ws)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            for other in members:
                if other is not ws and not other.closed:
                    await other.send_str(msg.data)
    finally:
        members.remove(ws)
        if not members:
            request.app[PAIRS].pop(pair, None)
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app[PAIRS] = {}
    app.router.add_get("/ws", relay)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--core", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    args = parser.parse_args()
    pin_to_core(args.core)
    raise_fd_limit()
    asyncio.run(serve(make_app(), max_seconds=args.max_seconds))


if __name__ == "__main__":
    main()
