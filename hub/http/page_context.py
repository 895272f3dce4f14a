"""The pages' template context (aiohttp_jinja2's context processors: the CSP nonce and the
CSRF token, ``headers.csp_nonce_context`` and ``csrf.template_context``), made for every
request that may render a page, before anything can refuse it (a refused page is still the
hub's page, with its nonce and a working Sign out), and not for the websocket.

``/ws`` renders no page: its upgrade needs neither a nonce (a random draw from the system)
nor a CSRF token (an HMAC of the session cookie), and every tablet takes that upgrade on
every registration (a herd after a restart: docs/performance.md, "Hub CPU per
registration")."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from .access import Handler

WEBSOCKET_PATH = "/ws"


@web.middleware
async def page_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == WEBSOCKET_PATH:
        return await handler(request)
    return await aiohttp_jinja2.context_processors_middleware(request, handler)
