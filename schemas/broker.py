"""The envelope that crosses the broker between hub processes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Envelope(BaseModel):
    topic: str
    origin: str  # the publishing process
    position: int  # strictly increasing per origin: a gap means a missed doorbell
    payload: dict[str, Any]
