"""The audit trail's hash chain: each row carries the hash of the one before it.

A row's hash is SHA-256 over its canonical content (every column but the database id)
and the previous row's hash, so editing, deleting or inserting a row anywhere breaks the
chain from that row on. Rows are chained when their transaction commits (``seal``, called by
``Database.session``): the transaction first updates the one chain-head row, which takes
that row's lock on PostgreSQL and the write lock on SQLite, so concurrent writers chain
their rows one after another and the chain stays linear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import as_utc

from .tables import AuditChainHead, AuditEvent

GENESIS = "0" * 64
"""The "previous hash" of the first row in the chain."""

_PENDING = "audit_pending"


def canonical(row: AuditEvent, prev_hash: str) -> bytes:
    """The bytes a row's hash is taken over: its content, in a fixed order and form."""
    content: dict[str, Any] = {
        "seq": row.seq,
        "at": as_utc(row.at).isoformat(timespec="microseconds"),
        "actor": row.actor,
        "organisation_id": row.organisation_id,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "person_id": row.person_id,
        "outcome": row.outcome,
        "detail": row.detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def digest(row: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, prev_hash)).hexdigest()


def hold(session: AsyncSession, row: AuditEvent) -> None:
    """Add an audit row to the session; it joins the chain when the transaction commits."""
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)


async def seal(session: AsyncSession) -> None:
    """Chain the rows this transaction added, in the order they were added."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # Rows not yet flushed are inserted once, already chained, by the flush at the end:
    # not inserted by the head's update (autoflush) and then updated again. The chain
    # head's lock is held from its update to the commit, by every audited write in the
    # hub, so each round trip saved here is one every other writer waits the less.
    # The head is updated by Core statements on the session's connection (which does not
    # autoflush): through the session each would go through the ORM's bulk-update machinery,
    # for a row no session holds; a one-row audited transaction costs about a fifth less CPU.
    conn = await session.connection()
    head = (
        await conn.execute(
            update(AuditChainHead)
            .where(col(AuditChainHead.id) == 1)
            .values(seq=col(AuditChainHead.seq) + len(pending))
            .returning(col(AuditChainHead.seq), col(AuditChainHead.last_hash))
        )
    ).one()
    seq, prev = int(head[0]) - len(pending), str(head[1])
    for row in pending:
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.row_hash = prev = digest(row, prev)
    await conn.execute(
        update(AuditChainHead).where(col(AuditChainHead.id) == 1).values(last_hash=prev)
    )
    await session.flush()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``verify`` found: how many rows it checked, and the first broken one, if any."""

    rows: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


async def verify(session: AsyncSession, *, batch: int = 5000) -> Verdict:
    """Walk the chain from the first row; name the first row whose hash does not follow.

    The head is read first and the walk stops at it: rows that commit while the check runs
    (each moves the head in its own transaction) are left for the next check, so a check on
    a live hub never reports a broken chain that is not.
    """
    head = await session.get(AuditChainHead, 1, populate_existing=True)
    if head is None:
        return Verdict(0, None, None, "the chain has no head row")
    prev, expected, checked = GENESIS, 1, 0
    while expected <= head.seq:
        rows: Sequence[AuditEvent] = (
            await session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.seq) >= expected, col(AuditEvent.seq) <= head.seq)
                .order_by(col(AuditEvent.seq))
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected:
                return Verdict(checked, row.id, row.seq, f"row {expected} is missing")
            if row.prev_hash != prev:
                return Verdict(checked, row.id, row.seq, "does not follow the row before it")
            if row.row_hash != digest(row, prev):
                return Verdict(checked, row.id, row.seq, "its content was changed")
            prev, expected, checked = row.row_hash, expected + 1, checked + 1
    if checked != head.seq or prev != head.last_hash:
        return Verdict(checked, None, checked + 1, "the chain ends before its recorded head")
    unchained = (
        await session.exec(select(AuditEvent.id).where(col(AuditEvent.seq).is_(None)).limit(1))
    ).first()
    if unchained is not None:
        return Verdict(checked, unchained, None, "it is not in the chain")
    return Verdict(checked)
