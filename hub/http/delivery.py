"""How the hub's static files travel to a care home's 4G tablet: compressed, and cached.

- Stylesheets, scripts and SVG are compressed (gzip, or brotli where aiohttp has it) for any
  browser that asks. Pages are not: they carry the session's CSRF token, and compressing
  secrets beside reflected input is the BREACH attack.
- Templates name stylesheets with ``static_url("hub.css")``: ``/static/hub.css?v=<hash of the
  file>``. A request with the current hash may be cached for a year (the name changes when
  the file does); anything else under /static/, /assets/ and /js/ is revalidated each time
  (the ES modules import each other by plain name, so they are revalidated, cheaply, by ETag).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Middleware

from .access import Handler

COMPRESSIBLE = (".css", ".js", ".mjs", ".svg", ".json", ".map")
STATIC_PREFIXES = ("/static/", "/assets/", "/js/")
A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@cache
def file_hash(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_of(static: Path, name: str) -> str | None:
    path = static / name
    try:
        return file_hash(path, path.stat().st_mtime_ns)
    except OSError:
        return None


def setup(app: web.Application, static: Path) -> None:
    """``static_url`` for the templates, and the middleware's view of the static folder."""

    def static_url(name: str) -> str:
        version = version_of(static, name)
        return f"/static/{name}" + (f"?v={version}" if version else "")

    aiohttp_jinja2.get_env(app).globals["static_url"] = static_url
    app.middlewares.append(_delivery(static))


# A revalidation (the file answers 304, with no body) or a range is never compressed: the
# status is only known once the file response prepares itself, and a 304 must not be chunked.
CONDITIONAL = ("If-None-Match", "If-Modified-Since", "If-Range", "Range")


def _whole_file(request: web.Request, response: web.StreamResponse) -> bool:
    if "Content-Encoding" in response.headers:
        return False
    return not any(header in request.headers for header in CONDITIONAL)


def _delivery(static: Path) -> Middleware:
    @web.middleware
    async def delivery_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        path = request.path
        if response.prepared or not path.startswith(STATIC_PREFIXES) or response.status != 200:
            return response
        if path.endswith(COMPRESSIBLE) and _whole_file(request, response):
            response.enable_compression()
        version = request.query.get("v")
        name = path.removeprefix("/static/")
        current = path.startswith("/static/") and version and version == version_of(static, name)
        response.headers["Cache-Control"] = A_YEAR if current else REVALIDATE
        return response

    return delivery_middleware
