"""Bounds on every integer in the schemas: a number a client sends can never overflow a
database column (the tables' ids and counters are PostgreSQL INTEGER, 32 bits) or a
JavaScript number, so a huge one is a typed 422 or error frame naming the field, not a 500.
A test walks schemas/json and fails on any integer without both bounds."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INTEGER_MAX = 2**31 - 1  # PostgreSQL INTEGER (SQLite's are wider)
SAFE_INTEGER_MAX = 2**53  # a JavaScript number holds every integer up to here exactly

RowId = Annotated[int, Field(ge=1, le=INTEGER_MAX)]
"""A row's id: a person, site, user, device, photo, message, task or outcome."""

Counted = Annotated[int, Field(ge=0, le=INTEGER_MAX)]
"""A count, a sequence number, a revision or a number of seconds: never negative."""

CommandId = Annotated[int, Field(ge=1, le=SAFE_INTEGER_MAX)]
"""A websocket command's id, chosen by the client; strictly increasing per socket."""
