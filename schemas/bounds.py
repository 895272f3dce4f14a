"""Bounds on every integer in the schemas: a number a client sends can never overflow a
database column (PostgreSQL BIGINT) or a JavaScript number, so a huge one is a typed 422
or error frame naming the field, not a 500."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

BIGINT_MAX = 2**63 - 1  # PostgreSQL BIGINT; SQLite's INTEGER is the same 8 bytes
SAFE_INTEGER_MAX = 2**53  # a JavaScript number holds every integer up to here exactly

DbId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
"""A row's id: a person, site, user, device, photo, message or outcome."""

Counted = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
"""A count, a sequence number, a revision or a number of seconds: never negative."""

CommandId = Annotated[int, Field(ge=1, le=SAFE_INTEGER_MAX)]
"""A websocket command's id, chosen by the client; strictly increasing per socket."""
