"""The one app factory. Nothing is built at import time; tests build their own app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from hub.auth.throttle import Throttle
from hub.broker import broker_for
from hub.clock import Clock, SystemClock
from hub.http import (
    admin_devices,
    api_appointments,
    api_identity,
    api_messages,
    api_outcomes,
    api_palliative,
    api_records,
    api_reports,
    console,
    console_clinics,
    console_people,
    delivery,
    governance,
    health,
    openapi,
    pages,
    tablet,
    tablet_clinics,
    tablet_residents,
)
from hub.http.access import access_middleware
from hub.http.bodies import storable_input
from hub.http.csrf import csrf_middleware, template_context
from hub.http.headers import csp_nonce_context, security_headers
from hub.http.middleware import error_middleware
from hub.http.page_context import page_context
from hub.http.refusals import refusal_audit
from hub.keys import BROKER, CLOCK, DATABASE, SETTINGS
from hub.realtime import endpoint
from hub.services import SERVICES, build_services
from hub.settings import HubSettings
from hub.storage.engine import Database

WEB = Path(__file__).with_name("web")
CLIENT_JS = Path(__file__).resolve().parent.parent / "clients" / "web"
log = logging.getLogger("hub")


def create_app(settings: HubSettings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(
        # The pages' context (the CSP nonce, the CSRF token) first: a page refused before its
        # handler runs (the access check) is still the hub's page, with its nonce and a
        # working Sign out (aiohttp_jinja2's setup would add its middleware last). Not made
        # for the websocket's upgrade, which renders no page (page_context.py).
        middlewares=[
            page_context,
            error_middleware,
            storable_input,
            refusal_audit,
            csrf_middleware,
            access_middleware,
        ],
        client_max_size=8 * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app.on_response_prepare.append(security_headers)
    app.cleanup_ctx.append(_services)
    app.cleanup_ctx.append(endpoint.realtime_context)
    app.on_shutdown.append(endpoint.close_sockets)

    aiohttp_jinja2.setup(
        app,
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(WEB / "templates"),
                jinja2.PackageLoader("nhsuk_frontend_jinja", "templates"),
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "jinja"]),
        undefined=jinja2.ChainableUndefined,
    )
    app[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY] = [template_context, csp_nonce_context]
    for table in (
        health.routes,
        api_identity.routes,
        api_records.routes,
        api_messages.routes,
        pages.routes,
        api_reports.routes,
        tablet.routes,
        tablet_clinics.routes,
        tablet_residents.routes,
        console.routes,
        console_people.routes,
        admin_devices.routes,
        console_clinics.routes,
        api_outcomes.routes,
        api_palliative.routes,
        api_appointments.routes,
        governance.routes,
        endpoint.routes,
        openapi.routes,
    ):
        app.router.add_routes(table)
    static = WEB / "static"
    static.mkdir(parents=True, exist_ok=True)
    delivery.setup(app, static)
    app.router.add_static("/static/", static, name="static")
    # The browser clients' ES modules, served from their source folders.
    for folder in ("shared", "tablet", "console"):
        if (CLIENT_JS / folder).is_dir():
            app.router.add_static(f"/js/{folder}/", CLIENT_JS / folder, name=f"js_{folder}")
    nhsuk_assets = static / "nhsuk" / "assets"
    if nhsuk_assets.is_dir():
        app.router.add_static("/assets/", nhsuk_assets, name="nhsuk_assets")
    return app


async def _services(app: web.Application) -> AsyncIterator[None]:
    """The database, the broker and every domain service, built once (``hub.services``).
    The websocket side (``realtime_context``, next) starts and closes the broker."""
    settings, clock = app[SETTINGS], app[CLOCK]
    db = Database.from_settings(settings)
    app[DATABASE] = db
    app[BROKER] = broker = broker_for(settings)
    app[SERVICES] = build_services(db, clock, settings, broker, Throttle(settings))
    try:
        yield
    finally:
        await db.close()
