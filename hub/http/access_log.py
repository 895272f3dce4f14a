"""The access log: who asked for which route, the answer and how long it took, and nothing
a client typed. aiohttp's default line holds the request line and the Referer, query
strings included, so a search (``/api/residents?q=Greenwood``) or a history filter
(``/console/history?resident=9689325531``) would put a name or an NHS number in the log.

Here a matched route is logged as its template (``/api/calls/{call_id}/wrap-up``), a static
file by its path, anything else as ``-``; a query string only as ``?`` and how many
parameters it had. Neither the Referer nor the User-Agent is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .headers import STATIC_PREFIXES

log = logging.getLogger("aiohttp.access")


class RedactedAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        query = f"?({len(request.query)} parameters)" if request.query_string else ""
        self.logger.info(
            '%s "%s %s%s" %d %d %.3fs',
            request.remote or "-",
            request.method,
            route_of(request),
            query,
            response.status,
            response.body_length,
            time,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def route_of(request: web.BaseRequest) -> str:
    """The route's template, never the raw path a client sent (it may hold anything)."""
    if request.path.startswith(STATIC_PREFIXES):
        return request.path
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    if resource is None or getattr(match_info, "http_exception", None) is not None:
        return "-"
    return str(resource.canonical)


def access_log_options() -> dict[str, Any]:
    """How every runner of the app logs its requests (``hub.http.runner``)."""
    return {"access_log_class": RedactedAccessLogger, "access_log": log}
