"""The audit trail: one row per read, change or refusal, chained, and the chain's head.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Index,
)
from sqlmodel import Field, SQLModel

from .columns import utc_field


class AuditEvent(SQLModel, table=True):
    """Who did or read what, when. Never holds clinical free text or tokens."""

    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_person", "person_id"),
        Index("ix_audit_actor", "actor"),
        Index("ix_audit_seq", "seq", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field()
    actor: str = Field(max_length=40, description="user:<id>, device:<id>, cli or anonymous")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    action: str = Field(max_length=40)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    person_id: int | None = Field(
        default=None,
        description="Whose record was read or refused (no foreign key: a refused "
        "read may name an id that does not exist)",
    )
    outcome: str = Field(default="ok", max_length=16)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    seq: int | None = Field(default=None, description="The row's place in the hash chain")
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The one row that holds the end of the audit hash chain. Every transaction that adds
    audit rows updates it, so writers take its lock in turn and the chain stays linear."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
    last_hash: str = Field(max_length=64)
