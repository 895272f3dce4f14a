"""After signing in, ``next`` may only name a page on this hub, however it is dressed up."""

from __future__ import annotations

import pytest

from hub.http.next_page import safe_next

OFF_SITE = [
    "/\t/evil.example/phish",  # /%09/evil.example/phish, as the query string decodes it
    "/\n/evil.example",
    "/\r\n/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "",
    None,
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("value", OFF_SITE)
def test_anything_that_could_leave_the_hub_is_refused(value: str | None) -> None:
    assert safe_next(value) is None


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("/console/history", "/console/history"),
        ("/tablet?tab=messages#top", "/tablet?tab=messages#top"),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),  # a path on this hub, not a host
        ("/reports/März", "/reports/M%C3%A4rz"),
    ],
)
def test_a_path_on_the_hub_is_kept(value: str, path: str) -> None:
    assert safe_next(value) == path
