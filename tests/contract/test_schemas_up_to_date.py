"""The JSON Schema files the clients read match the pydantic models they come from."""

from __future__ import annotations

from schemas.export import JSON_DIR, documents, render


def test_the_exported_json_schema_is_current() -> None:
    wanted = documents()
    on_disk = {p.name for p in JSON_DIR.glob("*.json")}
    assert on_disk == set(wanted), "run `telehub schemas export`"
    for name, doc in wanted.items():
        assert (JSON_DIR / name).read_text() == render(doc), (
            f"{name} is stale: run `telehub schemas export`"
        )


def test_the_client_schema_names_every_command() -> None:
    doc = documents()["client-command.json"]
    types = set(doc["discriminator"]["mapping"])
    assert {"call/start", "call/accept", "signal/candidate", "message/ack"} <= types
