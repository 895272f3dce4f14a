"""What the scope walks share: every route the app registers, a real photo to upload, and an
error frame's code as the HTTP status of the same error."""

from __future__ import annotations

import io

from aiohttp import web
from PIL import Image

from hub.errors import HubError
from hub.settings import HubSettings


def app_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, canonical path) of every route but HEAD, wildcards and static files."""
    found = []
    for route in app.router.routes():
        if route.method in ("HEAD", "*") or isinstance(route.resource, web.StaticResource):
            continue
        assert route.resource is not None
        found.append((route.method, route.resource.canonical))
    return found


def _png() -> bytes:
    """A real 1x1 PNG: the hub decodes and re-encodes every photo."""
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 90, 180, 255)).save(out, "PNG")
    return out.getvalue()


PNG = _png()

# An error frame's code as the HTTP status the same error has over REST, so the two tables
# read alike (invalid_state and conflict are both 409).
STATUS_OF = {cls.code.value: str(cls.status) for cls in HubError.__subclasses__()}


def unthrottled(settings: HubSettings) -> HubSettings:
    """These settings with every sign-in and registration limit lifted: for tests that sign in
    dozens of times from one address and check something else (the limits themselves are
    tests/integration/test_throttling.py's)."""
    limits = [name for name in HubSettings.model_fields if name.startswith("rate_")]
    return settings.model_copy(update=dict.fromkeys(limits, "100000/minute"))
