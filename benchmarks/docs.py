"""Writing a benchmark's section of ``docs/performance.md``: only when asked
(``HUB_WRITE_DOCS=1``, as the make targets set it), so a test run leaves every tracked file
as it found it."""

from __future__ import annotations

import os
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def asked() -> bool:
    return os.environ.get("HUB_WRITE_DOCS") == "1"


def replace_section(doc: Path, heading: str, section: str) -> None:
    """Replace (or add at the end) the section that starts with the line ``heading`` and
    runs to the next heading of the same level; leave every other section."""
    if not doc.exists():
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(
            "# Performance\n\nMeasured figures for the hub; each section is rewritten by the "
            "benchmark that owns it.\n\n"
        )
    level = heading.split(" ", 1)[0] + " "
    text = doc.read_text()
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        doc.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].startswith(level) or (level == "### " and lines[i].startswith("## "))
        ),
        len(lines),
    )
    after = "".join(lines[end:])
    doc.write_text("".join(lines[:start]) + section + ("\n" + after if after else ""))
