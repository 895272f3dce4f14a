"""Writes JSON Schema for every wire message and API body to ``schemas/json/``.

The JavaScript clients and third parties read these files; a contract test fails when they
drift from the pydantic models, so run ``telehub schemas export`` after changing a model.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from . import wire

JSON_DIR = Path(__file__).with_name("json")
BODY_MODULES = (
    "schemas.api",
    "schemas.reports",
    "schemas.imports",
    "schemas.outcomes",
    "schemas.appointments",
    "schemas.palliative",
)


def documents() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema document."""
    docs: dict[str, dict[str, Any]] = {
        "client-command.json": TypeAdapter(wire.ClientCommand).json_schema(),
        "server-frame.json": TypeAdapter(wire.ServerFrame).json_schema(),
        "auth.json": wire.Auth.model_json_schema(),
    }
    for module_name in BODY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for name, obj in sorted(vars(module).items()):
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseModel)
                and _declared_in(obj, module_name)
            ):
                short = module_name.split(".")[-1]
                docs[f"{short}.{name}.json"] = obj.model_json_schema()
    return docs


def _declared_in(model: type[BaseModel], module_name: str) -> bool:
    """Declared by the module, or by one of its parts (``schemas.reports_base`` is part of
    ``schemas.reports``, which re-exports it), so a split keeps the documents' names."""
    return model.__module__ == module_name or model.__module__.startswith(f"{module_name}_")


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def export(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    wanted = documents()
    for stale in directory.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, doc in wanted.items():
        path = directory / name
        path.write_text(render(doc))
        written.append(path)
    return written
