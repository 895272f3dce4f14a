"""The hub's running state: staff on shift and the live hub processes.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
)
from sqlmodel import Field, SQLModel

from .columns import utc_field


class ShiftPresence(SQLModel, table=True):
    """What a member of hub staff says they are doing, and when their console last checked in.
    Kept in the database so every hub process sees the same shift."""

    __tablename__ = "shift_presence"

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("hub_user.id", name="fk_shift_presence_user"), primary_key=True
        )
    )
    status: str = Field(max_length=16)
    since: datetime = utc_field()
    last_seen_at: datetime = utc_field()


class HubProcess(SQLModel, table=True):
    """A running hub process, seen alive at ``seen_at``. One that stops being seen has
    died (kill -9, a lost host): its participants count as disconnected from then."""

    __tablename__ = "hub_process"

    id: str = Field(primary_key=True, max_length=32)
    started_at: datetime = utc_field()
    seen_at: datetime = utc_field()
