"""Every integer in the wire formats and API bodies is bounded, so a client's huge number
is refused by name instead of overflowing a database column (a 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "json"


def _integers(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _integers(value, f"{where}[{i}]")


def _bounded(node: dict[str, Any]) -> bool:
    if "enum" in node or "const" in node:
        return True
    return "maximum" in node and "minimum" in node


def test_every_integer_in_the_schemas_has_a_floor_and_a_ceiling() -> None:
    unbounded = [
        f"{path.name}{where}"
        for path in sorted(SCHEMAS.glob("*.json"))
        for where, node in _integers(json.loads(path.read_text()), "")
        if not _bounded(node)
    ]
    assert unbounded == []
    assert len(list(SCHEMAS.glob("*.json"))) > 50  # the export is there to be checked
