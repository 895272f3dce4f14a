"""Where a browser may be sent after signing in: a path on this hub, never another site.

``next`` comes from the query string, so an attacker writes it. Browsers are generous in
what they take as a URL: they drop tabs and newlines anywhere (``/%09/evil.example`` is
``//evil.example``), read ``\\`` as ``/`` (``/\\evil.example``), and trim leading spaces and
control characters. So the value is normalised the way a browser would before it is
judged, and only a path that then names no scheme and no host is accepted.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

MAX_NEXT = 2000
_DROPPED = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def safe_next(value: str | None) -> str | None:
    """``value`` as a same-origin path (with its query and fragment), or None."""
    if not value or len(value) > MAX_NEXT:
        return None
    normal = value.translate(_DROPPED).strip(_C0_AND_SPACE).replace("\\", "/")
    if not normal.startswith("/") or normal.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in normal):
        return None
    parts = urlsplit(normal)
    if parts.scheme or parts.netloc:
        return None
    return quote(normal, safe="/?#&=+%:@!$'()*,;~")  # a Location header is ASCII
