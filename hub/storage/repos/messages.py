from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, select

from hub.errors import NotFound

from ..scope import Scope
from ..tables import Message, Photo, ReadCursor, ThreadCounter
from .base import Repo


class MessageRepo(Repo):
    async def thread(
        self, scope: Scope, *, site_id: int, after_id: int = 0, limit: int = 100
    ) -> Sequence[Message]:
        """The site's thread with the hub, oldest first, after a message id."""
        scope.require_clinical()
        scope.require_site_wide()
        stmt = (
            select(Message)
            .where(
                Message.site_id == site_id,
                scope.site_clause(Message.site_id),
                col(Message.id) > after_id,
            )
            .order_by(col(Message.id))
            .limit(limit)
        )
        return (await self.session.exec(stmt)).all()

    async def by_client_id(self, *, sender_key: str, client_message_id: str) -> Message | None:
        return (
            await self.session.exec(
                select(Message).where(
                    Message.sender_key == sender_key,
                    Message.client_message_id == client_message_id,
                )
            )
        ).first()

    async def next_seqs(
        self, *, site_id: int, person_id: int | None = None
    ) -> tuple[int, int, int | None]:
        """Take the next site, hub and (for a message about a person) person sequence
        numbers, in one statement. Call this as late in the transaction as it can be, just
        before the message is added: the counter rows stay locked until commit, so numbers
        follow commit order, and every other writer of these threads waits the while.

        The rows are locked in the order of their names (one order for every writer, so
        two writers cannot each hold a row the other waits for)."""
        threads = ["hub", f"site:{site_id}"]
        if person_id is not None:
            threads.append(f"person:{person_id}")
        in_order = (
            select(ThreadCounter.thread)
            .where(col(ThreadCounter.thread).in_(threads))
            .order_by(col(ThreadCounter.thread))
            .with_for_update()
        )
        stmt = (
            update(ThreadCounter)
            .where(col(ThreadCounter.thread).in_(in_order.scalar_subquery()))
            .values(last_seq=ThreadCounter.last_seq + 1)
            .returning(col(ThreadCounter.thread), col(ThreadCounter.last_seq))
        )
        taken = {str(t): int(n) for t, n in (await self.session.exec(stmt)).all()}
        for thread in threads:
            if thread not in taken:  # the thread's first counted message
                taken[thread] = await self._first(thread)
        person_seq = taken[threads[2]] if person_id is not None else None
        return taken[threads[1]], taken["hub"], person_seq

    async def _first(self, thread: str) -> int:
        # The thread's first counted message: start after any messages already stored (a
        # racing first writer makes this insert fail, and the caller's retry finds the row).
        stmt_max: Any
        if thread == "hub":
            stmt_max = select(func.coalesce(func.max(Message.hub_seq), 0))
        elif thread.startswith("person:"):
            person_id = int(thread.removeprefix("person:"))
            stmt_max = select(func.coalesce(func.max(col(Message.person_seq)), 0)).where(
                Message.person_id == person_id
            )
        else:
            site_id = int(thread.removeprefix("site:"))
            stmt_max = select(func.coalesce(func.max(Message.site_seq), 0)).where(
                Message.site_id == site_id
            )
        taken = int((await self.session.exec(stmt_max)).one()) + 1
        self.session.add(ThreadCounter(thread=thread, last_seq=taken))
        await self.session.flush()
        return taken

    async def add(self, message: Message) -> Message:
        self.session.add(message)
        await self.session.flush()
        return message

    async def after(
        self, scope: Scope, *, site_id: int | None, after_seq: int, limit: int = 500
    ) -> Sequence[Message]:
        """A thread after a sequence number: one site's (site_seq), the hub's (hub_seq), or
        for a device enrolled to one person, that person's own (person_seq)."""
        scope.require_clinical()
        if scope.person_id is not None:
            stmt = (
                select(Message)
                .where(
                    Message.person_id == scope.person_id,
                    scope.site_clause(Message.site_id),
                    col(Message.person_seq) > after_seq,
                )
                .order_by(col(Message.person_seq))
            )
        elif site_id is None:
            scope.require_hub()
            stmt = select(Message).where(Message.hub_seq > after_seq).order_by(col(Message.hub_seq))
        else:
            stmt = (
                select(Message)
                .where(
                    Message.site_id == site_id,
                    scope.site_clause(Message.site_id),
                    Message.site_seq > after_seq,
                )
                .order_by(col(Message.site_seq))
            )
        return (await self.session.exec(stmt.limit(limit))).all()

    async def acknowledge(self, *, reader_key: str, thread: str, seq: int) -> int:
        """Move a reader's cursor forward (never back); returns where it now stands."""
        cursor = await self.session.get(ReadCursor, (reader_key, thread))
        if cursor is None:
            self.session.add(ReadCursor(reader_key=reader_key, thread=thread, acked_seq=seq))
            return seq
        await self.session.exec(
            update(ReadCursor)
            .where(
                col(ReadCursor.reader_key) == reader_key,
                col(ReadCursor.thread) == thread,
                col(ReadCursor.acked_seq) < seq,
            )
            .values(acked_seq=seq)
        )
        await self.session.refresh(cursor)
        return cursor.acked_seq

    async def unread(
        self, *, reader_key: str, thread: str, site_id: int | None, person_id: int | None = None
    ) -> int:
        cursor = await self.session.get(ReadCursor, (reader_key, thread))
        acked = cursor.acked_seq if cursor else 0
        if person_id is not None:
            seq = col(Message.person_seq)
        else:
            seq = col(Message.hub_seq) if site_id is None else col(Message.site_seq)
        stmt = (
            select(func.count())
            .select_from(Message)
            .where(seq > acked, Message.sender_key != reader_key)
        )
        if person_id is not None:
            stmt = stmt.where(Message.person_id == person_id)
        elif site_id is not None:
            stmt = stmt.where(Message.site_id == site_id)
        return int((await self.session.exec(stmt)).one())

    async def photo_bytes(self, site_id: int) -> int:
        """How much the site's photos take, in bytes."""
        stmt = select(func.coalesce(func.sum(Photo.size), 0)).where(Photo.site_id == site_id)
        return int((await self.session.exec(stmt)).one())

    async def add_photo(self, photo: Photo) -> Photo:
        self.session.add(photo)
        await self.session.flush()
        return photo

    async def photo(self, scope: Scope, *, photo_id: int) -> Photo:
        scope.require_clinical()
        found = (
            await self.session.exec(
                select(Photo).where(
                    Photo.id == photo_id,
                    scope.site_clause(Photo.site_id),
                    scope.person_clause(Photo.person_id),
                )
            )
        ).first()
        if found is None:
            raise NotFound("No such photo")
        return found
