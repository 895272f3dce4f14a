"""How every runner of the app runs it: ``telehub serve`` and the tests' servers alike."""

from __future__ import annotations

from typing import Any

from .access_log import access_log_options


def runner_options() -> dict[str, Any]:
    """Requests logged without patient data (``access_log``), and a handler not cancelled
    when its client goes away: what a nurse, a home or a patient sent is finished and kept
    whether or not they are still there to hear the answer, and no transaction is cut off
    half way (on SQLite a write cancelled mid-statement could keep the write lock, and every
    write in the hub then waited out the 30 s busy timeout). aiohttp's own default is the
    same; its test server's is the opposite, so the tests' servers take these options too
    (``tests/support/hub.py``)."""
    return {**access_log_options(), "handler_cancellation": False}
