"""The security headers on every response, and the per-response nonce for the one inline
script the NHS.UK page template has (it marks the body ``js-enabled``).

- ``Content-Security-Policy``: scripts only from the hub itself or with this response's
  nonce; no inline event handlers, no ``eval``, no plugins; styles only from the hub; the
  page cannot be framed, and forms post only to the hub. Photos carry their own stricter
  policy (``default-src 'none'; sandbox``).
- ``Cache-Control: no-store`` on everything but the static assets (CSS, JS, images): pages
  and API answers may hold patient data, which a shared tablet must not keep.
- ``Strict-Transport-Security`` when the hub's public URL is https.
- ``Server`` names no software or version.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from hub.keys import SETTINGS

CSP_NONCE: web.RequestKey[str] = web.RequestKey("csp_nonce", str)
STATIC_PREFIXES = ("/static/", "/js/", "/assets/")
HSTS = "max-age=31536000; includeSubDomains"
SERVER = "telehub"


def content_security_policy(nonce: str | None) -> str:
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "script-src-attr 'none'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob: mediastream:",
            "connect-src 'self'",
            "font-src 'self' https://assets.nhs.uk",  # NHS.UK frontend's Frutiger
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


async def csp_nonce_context(request: web.Request) -> dict[str, str]:
    """An aiohttp_jinja2 context processor: ``cspNonce`` is the NHS.UK template's name."""
    nonce = request.get(CSP_NONCE)
    if nonce is None:
        nonce = request[CSP_NONCE] = secrets.token_urlsafe(18)
    return {"cspNonce": nonce}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Server"] = SERVER
    headers.setdefault("Content-Security-Policy", content_security_policy(request.get(CSP_NONCE)))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
    if not request.path.startswith(STATIC_PREFIXES):
        headers.setdefault("Cache-Control", "no-store")
    if str(request.app[SETTINGS].public_base_url).startswith("https:"):
        headers.setdefault("Strict-Transport-Security", HSTS)
