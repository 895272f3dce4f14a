"""The address a request came from, for throttling: the peer, or, behind a trusted proxy
(HUB_TRUSTED_PROXIES), the address that proxy says it forwarded for."""

from __future__ import annotations

from aiohttp import web

from hub.keys import SETTINGS


def client_address(request: web.Request) -> str:
    peer = request.remote or "unknown"
    if peer not in request.app[SETTINGS].trusted_proxies:
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "")
    # nginx's $proxy_add_x_forwarded_for appends the peer it saw: the last entry is the one
    # the proxy vouches for; anything before it the client could have written itself.
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or peer
