"""Message threads: messages, each thread's counter, read cursors and photos.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .columns import utc_field


class Message(SQLModel, table=True):
    """A secure message in the thread between a site and the hub (in or outside a call).

    ``site_seq`` numbers the site's thread; ``hub_seq`` numbers everything the hub receives.
    Each is allocated inside the writing transaction, so they follow commit order.
    """

    __table_args__ = (
        UniqueConstraint("sender_key", "client_message_id", name="uq_message_client_id"),
        UniqueConstraint("site_id", "site_seq", name="uq_message_site_seq"),
        UniqueConstraint("hub_seq", name="uq_message_hub_seq"),
        Index("ix_message_site_created", "site_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id")
    site_seq: int
    hub_seq: int
    call_id: str | None = Field(default=None, foreign_key="call.id", max_length=36)
    sender_key: str = Field(max_length=40, description="user:<id> or device:<id>")
    sender_name: str = Field(max_length=200)
    client_message_id: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    photo_id: int | None = None
    created_at: datetime = utc_field()
    # A message about one person at home: it is also in that person's own thread, numbered
    # by ``person_seq`` (allocated like ``site_seq``), the only thread their devices read.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    person_seq: int | None = None


class ThreadCounter(SQLModel, table=True):
    """The last sequence number given out in a thread (``site:<id>`` or ``hub``).

    Incremented with one UPDATE as the first write of the message's transaction, so the
    row lock orders writers and sequence numbers follow commit order with no gaps.
    """

    thread: str = Field(primary_key=True, max_length=40)
    last_seq: int = 0


class ReadCursor(SQLModel, table=True):
    """How far one reader (a device or a user) has acknowledged a thread."""

    reader_key: str = Field(primary_key=True, max_length=40)
    thread: str = Field(primary_key=True, max_length=40, description="site:<id> or hub")
    acked_seq: int = 0


class Photo(SQLModel, table=True):
    """A photo attached to a message (a wound, a rash). Size and type are limited on upload."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id", index=True)
    content_type: str = Field(max_length=32)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str = Field(max_length=40)
    created_at: datetime = utc_field()
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
