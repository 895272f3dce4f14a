"""The layering check: ``python -m hub.tools.layers``.

Lists every import between the hub's top-level packages (``hub.http``, ``hub.calls``,
``schemas``, ...) and fails (exit status 1) on any that runs against the layering that
``docs/architecture.md`` documents: a unit may import units of a lower layer, and units of
its own layer only where :data:`SAME_LAYER` allows it. A unit this table does not know is
an error too, so a new package gets its place here (and in the document) when it is made.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("hub", "schemas")

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("wire formats", frozenset({"schemas"})),
    (
        "foundation",
        frozenset(
            {
                "hub.errors",
                "hub.settings",
                "hub.clock",
                "hub.months",
                "hub.spreadsheet",
                "hub.avoided",  # the claim rules and a call's counts: pure
            }
        ),
    ),
    ("storage", frozenset({"hub.storage"})),
    (
        "domain base",
        frozenset(
            {"hub.auth", "hub.audit", "hub.broker", "hub.clinical", "hub.echo", "hub.prison"}
        ),
    ),
    (
        "calls and records",
        frozenset({"hub.calls", "hub.messages", "hub.records", "hub.palliative"}),
    ),
    ("outcomes and appointments", frozenset({"hub.outcomes", "hub.appointments"})),
    ("reports and imports", frozenset({"hub.reports", "hub.imports"})),
    ("wiring", frozenset({"hub.services", "hub.keys"})),
    ("front doors", frozenset({"hub.http", "hub.realtime"})),
    (
        "entry points",
        frozenset(
            {
                "hub",
                "hub.app",
                "hub.cli",
                "hub.audit.cli",
                "hub.reports.cli",
                "hub.__main__",
                "hub.demo",
                "hub.demo_home",
                "hub.demo_people",
                "hub.demo_history",
                "hub.demo_case_mix",
                "hub.demo_call",
                "hub.demo_clinics",
                "hub.demo_goldline",
                "hub.terminal",
                "hub.heap",
                "hub.tools",
            }
        ),
    ),
)
"""Lowest first. A unit may import any unit of a lower layer."""

SAME_LAYER: frozenset[tuple[str, str]] = frozenset(
    {
        ("hub.settings", "hub.errors"),  # a bad setting is a typed error
        ("hub.prison", "hub.auth"),  # a prison's rules read who is asking
        ("hub.reports", "hub.imports"),  # reports read the imported hospital activity
        ("hub.services", "hub.keys"),
        ("hub.http", "hub.realtime"),  # /readyz reads the drain
        ("hub.realtime", "hub.http"),  # the /ws route uses HTTP's access helpers
        ("hub.cli", "hub.app"),
        ("hub.cli", "hub.demo"),
        ("hub.cli", "hub.terminal"),
        ("hub.cli", "hub.heap"),
        ("hub.cli", "hub.audit.cli"),
        ("hub.cli", "hub.reports.cli"),
        ("hub.audit.cli", "hub.terminal"),
        ("hub.reports.cli", "hub.terminal"),
        ("hub.__main__", "hub.cli"),
        ("hub.demo", "hub.terminal"),
        ("hub.demo", "hub.demo_home"),  # the own-home patients' part of the demo
        ("hub.demo", "hub.demo_people"),  # the demo's parts, each its own module
        ("hub.demo", "hub.demo_history"),
        ("hub.demo_history", "hub.demo_call"),  # the history's parts: one call's rows
        ("hub.demo_history", "hub.demo_case_mix"),  # and the proportions they are drawn from
        ("hub.demo_call", "hub.demo_case_mix"),
        ("hub.demo", "hub.demo_clinics"),
        ("hub.demo", "hub.demo_goldline"),  # the Gold Line register's part of the demo
        ("hub.tools", "hub.app"),
    }
)
"""Imports allowed between two units of the same layer (importer, imported)."""

KNOWN_DEPARTURES: dict[tuple[str, str], str] = {}
"""Arrows against the layering that are known and named, to be removed (printed, not
failed). Add to it only with a reason; remove an entry when its arrow goes."""


@dataclass(frozen=True, order=True)
class Arrow:
    importer: str
    imported: str
    where: str  # file:line of the first such import

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported}  ({self.where})"


def unit_of(module: str) -> str | None:
    """The unit a module belongs to: ``schemas``, ``hub``, ``hub.<name>``, or for a
    package's own ``telehub`` commands ``hub.<name>.cli``."""
    parts = module.split(".")
    if parts[0] == "schemas":
        return "schemas"
    if parts[0] != "hub":
        return None
    if len(parts) > 2 and parts[2] == "cli":  # a package's own commands: an entry point
        return ".".join(parts[:3])
    return "hub" if len(parts) == 1 else f"hub.{parts[1]}"


def _module_of(path: Path, root: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    package = parts[-1] == "__init__"
    if package:
        parts.pop()
    return ".".join(parts), package


def _imported(tree: ast.AST, module: str, package: bool, root: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                base = node.module
            else:
                parts = module.split(".") if package else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:  # ``from hub import months`` imports hub.months
                sub = f"{base}.{alias.name}"
                path = root.joinpath(*sub.split("."))
                is_module = path.with_suffix(".py").is_file() or path.is_dir()
                yield (sub if is_module else base), node.lineno


def arrows(root: Path = ROOT) -> list[Arrow]:
    """Every import from one unit to another, one arrow per pair (the first one seen)."""
    found: dict[tuple[str, str], Arrow] = {}
    for source in SOURCES:
        for path in sorted((root / source).rglob("*.py")):
            module, package = _module_of(path, root)
            importer = unit_of(module)
            assert importer is not None
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for target, line in _imported(tree, module, package, root):
                imported = unit_of(target)
                if imported is None or imported == importer:
                    continue
                where = f"{path.relative_to(root)}:{line}"
                found.setdefault((importer, imported), Arrow(importer, imported, where))
    return sorted(found.values())


def layer_of(unit: str) -> int | None:
    for rank, (_, units) in enumerate(LAYERS):
        if unit in units:
            return rank
    return None


def against_layering(found: Sequence[Arrow]) -> list[str]:
    """Why each arrow that runs against the layering does."""
    problems = []
    for arrow in found:
        if (arrow.importer, arrow.imported) in KNOWN_DEPARTURES:
            continue
        low, high = layer_of(arrow.imported), layer_of(arrow.importer)
        if high is None or low is None:
            unknown = arrow.importer if high is None else arrow.imported
            problems.append(f"{arrow}: {unknown} has no layer (add it to hub/tools/layers.py)")
        elif low > high:
            problems.append(
                f"{arrow}: {LAYERS[high][0]} must not import {LAYERS[low][0]} (a higher layer)"
            )
        elif low == high and (arrow.importer, arrow.imported) not in SAME_LAYER:
            problems.append(f"{arrow}: both are {LAYERS[high][0]}; not an allowed pair")
    return problems


def main(argv: Sequence[str] = ()) -> int:
    found = arrows()
    for rank, (name, units) in enumerate(LAYERS):
        print(f"{rank} {name}: {', '.join(sorted(units))}")
    print()
    for arrow in found:
        print(arrow)
    for arrow in found:
        reason = KNOWN_DEPARTURES.get((arrow.importer, arrow.imported))
        if reason is not None:
            print(f"known departure: {arrow}: {reason}")
    problems = against_layering(found)
    if problems:
        print(f"\n{len(problems)} import(s) against the layering (docs/architecture.md):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"\n{len(found)} imports between units, all with the layering.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
