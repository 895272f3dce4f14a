"""A person's browser opening a page they may not see gets a page that says so, with the way
to their own start page, not the API's JSON problem (the status stays the same)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from hub.errors import HubError

from .access import PRINCIPAL, _is_page
from .pages import START_PAGES

HEADINGS = {
    "/admin": "This page is for the hub administrator",
    "/reports": "This page is for commissioners and the hub",
}


def wants_page(request: web.Request, exc: HubError) -> bool:
    """A browser (it asks for HTML) opening a page, refused as forbidden or not found."""
    return exc.status in (403, 404) and browsing(request) and request.get(PRINCIPAL) is not None


def browsing(request: web.Request) -> bool:
    """A browser (it asks for HTML) opening a page, signed in or not."""
    return (
        request.method == "GET"
        and _is_page(request.path)
        and "text/html" in request.headers.get("Accept", "")
    )


def missing_page(request: web.Request) -> web.Response:
    """No page at this address: a page that says so and the way to the start, not aiohttp's
    bare "404: Not Found" (the status stays 404)."""
    return aiohttp_jinja2.render_template(
        "missing.html", request, {"title": "Page not found"}, status=404
    )


def refusal_page(request: web.Request, exc: HubError) -> web.Response:
    principal = request[PRINCIPAL]
    heading = next(
        (words for prefix, words in HEADINGS.items() if request.path.startswith(prefix)),
        "You cannot open this page" if exc.status == 403 else "Page not found",
    )
    context = {
        "title": heading,
        "principal": principal,
        "heading": heading,
        "message": exc.message,
        "home": START_PAGES[principal.role],
    }
    return aiohttp_jinja2.render_template("problem.html", request, context, status=exc.status)
