"""The layering of docs/architecture.md, checked on the hub's own source: every import
between top-level units runs down the layers (``python -m hub.tools.layers``)."""

from __future__ import annotations

from pathlib import Path

from hub.tools import layers


def test_every_import_between_units_runs_with_the_layering() -> None:
    found = layers.arrows()
    assert found, "the check must see the hub's imports"
    assert layers.against_layering(found) == []
    assert layers.main() == 0


def test_the_rules_the_architecture_names_hold() -> None:
    pairs = {(a.importer, a.imported) for a in layers.arrows()}
    # storage reads only the foundation below it (the kept counts read the pure claim rules)
    assert {p for p in pairs if p[0] == "hub.storage"} <= {
        ("hub.storage", u) for u in ("hub.clock", "hub.errors", "hub.months", "hub.settings",
                                     "hub.avoided", "schemas")
    }  # fmt: skip
    assert ("hub.storage", "hub.reports") not in layers.KNOWN_DEPARTURES
    domain = {"hub.calls", "hub.outcomes", "hub.messages", "hub.records", "hub.reports"}
    assert not {(d, "hub.realtime") for d in domain} & pairs
    assert ("hub.keys", "hub.realtime") not in pairs
    # calls asks the shift roster (a layer up) through a port wired in hub/services.py
    assert ("hub.calls", "hub.outcomes") not in pairs
    assert ("hub.calls", "hub.outcomes") not in layers.KNOWN_DEPARTURES


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_an_import_up_the_layers_is_named(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "hub/__init__.py": "",
            "hub/storage/__init__.py": "",
            "hub/storage/repos.py": "from hub.outcomes import claims\n",
            "hub/outcomes/__init__.py": "",
            "hub/outcomes/claims.py": "",
            "hub/calls/__init__.py": "",
            "hub/calls/lifecycle.py": "from ..realtime.fanout import Fanout\n",
            "hub/realtime/__init__.py": "",
            "hub/realtime/fanout.py": "",
            "hub/newthing/__init__.py": "from hub.storage import repos\n",
            "schemas/__init__.py": "",
        },
    )
    problems = sorted(layers.against_layering(layers.arrows(root)))
    assert len(problems) == 3
    calls, unknown, storage = problems
    assert calls.startswith("hub.calls -> hub.realtime  (hub/calls/lifecycle.py:1)")
    assert "hub.newthing has no layer" in unknown
    assert storage.startswith("hub.storage -> hub.outcomes  (hub/storage/repos.py:1)")
