"""The hub's NHS.UK stylesheet is built from the core and only the components our pages use
(clients/web/nhsuk.scss, compiled by ``make assets``). Every nhsuk- class that our
templates, the NHS.UK macros they call and the browser clients use, and that the whole
NHS.UK build styles, must be styled by ours: a page that starts using another component
fails here until its line is added to the entry."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "hub" / "web" / "static" / "nhsuk" / "nhsuk.min.css"
WHOLE = (
    ROOT / "clients/web/node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css"
)  # the package's own build of every component, installed by make assets
TEMPLATES = ROOT / "hub" / "web" / "templates"
CLIENTS = ROOT / "clients" / "web"
NHSUK_TEMPLATES = Path(str(files("nhsuk_frontend_jinja") / "templates"))

SELECTOR_CLASS = re.compile(r"\.(nhsuk-[A-Za-z0-9_-]+)")
# A class that starts a selector: styled on its own, not only inside another component
# (.nhsuk-icon--tick is styled only in .nhsuk-list--tick).
LEADING_CLASS = re.compile(r"(?:^|[{},])\s*\.(nhsuk-[A-Za-z0-9_-]+)")
# A class in markup or script; one ending in - or _ is the start of a class made at run
# time (nhsuk-tag--{{ colour }}, `nhsuk-tag--${band}`).
USED_CLASS = re.compile(r"nhsuk-[a-z0-9][a-z0-9_-]*")
NHSUK_TEMPLATE = re.compile(
    r"{%-?\s*(?:extends|include|import|from)\s+[\"'](nhsuk/[^\"']+\.jinja)[\"']"
)


def styled(css: Path, pattern: re.Pattern[str] = SELECTOR_CLASS) -> set[str]:
    return set(pattern.findall(css.read_text()))


def nhsuk_templates_called(sources: list[Path]) -> list[Path]:
    """The NHS.UK Jinja templates our templates extend, include or import, and theirs."""
    found: dict[str, Path] = {}
    todo = [s.read_text() for s in sources]
    while todo:
        for name in NHSUK_TEMPLATE.findall(todo.pop()):
            if name not in found:
                found[name] = NHSUK_TEMPLATES / name
                todo.append(found[name].read_text())
                template = found[name].with_name("template.jinja")  # a macro.jinja's body
                if template.is_file() and template != found[name]:
                    found[f"{name}:template"] = template
                    todo.append(template.read_text())
    return list(found.values())


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def sources() -> list[Path]:
    ours = sorted(TEMPLATES.rglob("*.html"))
    scripts = sorted(
        p
        for folder in CLIENTS.iterdir()
        if folder.is_dir() and folder.name != "node_modules"
        for p in folder.rglob("*.js")
    )
    return ours + nhsuk_templates_called(ours) + scripts


def test_every_nhsuk_class_our_pages_use_is_in_the_build() -> None:
    whole, leading, built = styled(WHOLE), styled(WHOLE, LEADING_CLASS), styled(BUILT)
    missing: dict[str, list[str]] = {}
    for source in sources():
        for used in set(USED_CLASS.findall(source.read_text())):
            if used.endswith(("-", "_")):
                needed = {c for c in leading if c.startswith(used)}
            else:
                needed = {used} & whole
            for cls in sorted(needed - built):
                missing.setdefault(cls, []).append(shown(source))
    assert missing == {}, "add the component to clients/web/nhsuk.scss and run make assets"


def test_the_scan_sees_the_page_template_the_macros_and_the_clients() -> None:
    scanned = {p.name for p in sources()} | {p.parent.name for p in sources()}
    # the page template and its header, and a client script that colours tags at run time
    assert {"template.jinja", "header", "queue.js", "base.html"} <= scanned
    assert len(styled(BUILT)) < len(styled(WHOLE))  # only some components are built
