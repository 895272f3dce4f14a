"""Secure messages between a site and the hub: stored before delivery, delivered at least
once with per-recipient sequence numbers, shown once (clients skip a sequence they have)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from hub.auth.principal import Principal
from hub.broker import topics
from hub.broker.fanout import Fanout
from hub.clock import Clock
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.messages import MessageRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.tables import Message, Photo
from schemas.wire import MessageEvent, MessageOut, MessageSend

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
SEQ_RETRIES = 5


def thread_of(p: Principal) -> tuple[str, int | None]:
    """The thread a principal reads: its own site's, (for the hub) every site's, or (for a
    device enrolled to one person) that person's own."""
    if p.scope.is_hub:
        return topics.HUB_THREAD, None
    if p.scope.person_id is not None:
        return topics.person_thread(p.scope.person_id), p.scope.organisation_id
    return topics.site_thread(p.scope.organisation_id), p.scope.organisation_id


def message_out(m: Message) -> MessageOut:
    assert m.id is not None
    return MessageOut(
        id=m.id,
        site_id=m.site_id,
        site_seq=m.site_seq,
        hub_seq=m.hub_seq,
        call_id=m.call_id,
        sender_key=m.sender_key,
        sender_name=m.sender_name,
        client_message_id=m.client_message_id,
        body=m.body,
        photo_id=m.photo_id,
        created_at=m.created_at,
        person_id=m.person_id,
        person_seq=m.person_seq,
    )


class MessageService:
    def __init__(self, db: Database, clock: Clock, fanout: Fanout) -> None:
        self.db = db
        self.clock = clock
        self.fanout = fanout

    async def send(self, p: Principal, cmd: MessageSend) -> MessageOut:
        scope = p.scope
        if scope.is_hub:
            if cmd.site_id is None:
                raise InvalidInput("Say which site the message is for", field="site_id")
            site_id = cmd.site_id
        else:
            if cmd.site_id not in (None, scope.organisation_id):
                raise NotFound("No such organisation")
            site_id = scope.organisation_id
        if scope.person_id is not None and cmd.person_id not in (None, scope.person_id):
            raise NotFound("No such resident")
        sender = p.key
        for _ in range(SEQ_RETRIES):
            try:
                message, fresh = await self._store(p, cmd, site_id, sender)
                break
            except IntegrityError:
                continue  # a racing retry of this message, or a thread's first message
        else:
            raise RuntimeError("could not allocate a message sequence number")
        out = message_out(message)
        if fresh:
            event = MessageEvent(message=out)
            await self.fanout.event(topics.site_thread(site_id), event)
            await self.fanout.event(topics.HUB_THREAD, event)
            if out.person_id is not None:
                await self.fanout.event(topics.person_thread(out.person_id), event)
        return out

    async def _store(
        self, p: Principal, cmd: MessageSend, site_id: int, sender: str
    ) -> tuple[Message, bool]:
        """One transaction: check, take the sequence numbers, insert. The numbers lock their
        threads' counters until commit, so they are taken last, after every check: what runs
        after them is what every other writer to these threads waits for. A retried message
        hits the unique client id and is read back instead."""
        scope = p.scope
        try:
            async with self.db.session() as s:
                repo = MessageRepo(s, self.clock)
                await OrganisationRepo(s, self.clock).get(scope, organisation_id=site_id)
                person_id = scope.person_id or cmd.person_id
                if cmd.call_id is not None:
                    call = await CallRepo(s, self.clock).get(scope, call_id=cmd.call_id)
                    if call.site_id != site_id:
                        raise InvalidInput("That call belongs to another site", field="call_id")
                    if person_id is None:
                        person_id = call.person_id  # a message in a call is about its person
                    elif call.person_id not in (None, person_id):
                        raise InvalidInput("That call is about someone else", field="call_id")
                if cmd.photo_id is not None:
                    photo = await repo.photo(scope, photo_id=cmd.photo_id)
                    if photo.site_id != site_id:
                        raise InvalidInput("That photo belongs to another site", field="photo_id")
                if person_id is not None and person_id != scope.person_id:
                    person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)
                    if person.site_id != site_id:
                        raise InvalidInput("That person is at another site", field="person_id")
                site_seq, hub_seq, person_seq = await repo.next_seqs(
                    site_id=site_id, person_id=person_id
                )
                message = await repo.add(
                    Message(
                        site_id=site_id,
                        site_seq=site_seq,
                        hub_seq=hub_seq,
                        call_id=cmd.call_id,
                        sender_key=sender,
                        sender_name=p.name,
                        client_message_id=cmd.client_message_id,
                        body=cmd.body,
                        photo_id=cmd.photo_id,
                        created_at=self.clock.now(),
                        person_id=person_id,
                        person_seq=person_seq,
                    )
                )
                await AuditRepo(s, self.clock).note(
                    scope,
                    "message_send",
                    target_type="message",
                    target_id=message.id,
                )
            return message, True
        except IntegrityError:
            async with self.db.session() as s:
                existing = await MessageRepo(s, self.clock).by_client_id(
                    sender_key=sender, client_message_id=cmd.client_message_id
                )
            if existing is None:
                raise  # a thread's first message raced another: the caller retries
            return existing, False

    async def after(self, p: Principal, after_seq: int, limit: int = 500) -> list[MessageOut]:
        _, site_id = thread_of(p)
        async with self.db.session() as s:
            rows = await MessageRepo(s, self.clock).after(
                p.scope, site_id=site_id, after_seq=after_seq, limit=limit
            )
            if rows:  # a read that found nothing showed nobody's data
                await AuditRepo(s, self.clock).note(
                    p.scope,
                    "read",
                    target_type="thread",
                    target_id=site_id if site_id is not None else "hub",
                    detail={"after_seq": after_seq, "results": len(rows)},
                )
        return [message_out(m) for m in rows]

    async def acknowledge(self, p: Principal, seq: int) -> dict[str, int]:
        thread, site_id = thread_of(p)
        async with self.db.session() as s:
            repo = MessageRepo(s, self.clock)
            acked = await repo.acknowledge(reader_key=p.key, thread=thread, seq=seq)
        return {"acked_seq": acked, "unread": await self.unread(p)}

    async def unread(self, p: Principal) -> int:
        thread, site_id = thread_of(p)
        async with self.db.session() as s:
            return await MessageRepo(s, self.clock).unread(
                reader_key=p.key,
                thread=thread,
                site_id=site_id,
                person_id=p.scope.person_id,
            )

    async def add_photo(self, p: Principal, content_type: str, data: bytes, *, quota: int) -> int:
        """Keep a photo (already re-encoded, see photos.py) if the site's photos, with this
        one, stay within ``quota`` bytes."""
        scope = p.scope
        if scope.is_hub:
            raise Forbidden("Photos are sent by sites")
        if content_type not in PHOTO_TYPES:
            raise InvalidInput("A photo must be JPEG, PNG or WebP", field="photo")
        if len(data) > PHOTO_MAX_BYTES:
            raise InvalidInput("A photo must be 5 MB or smaller", field="photo")
        async with self.db.session() as s:
            repo = MessageRepo(s, self.clock)
            if await repo.photo_bytes(scope.organisation_id) + len(data) > quota:
                raise Conflict(
                    f"This site's photos have used their {quota // (1024 * 1024)} MB: ask the"
                    " hub to make room before sending more",
                    field="photo",
                )
            photo = await repo.add_photo(
                Photo(
                    site_id=scope.organisation_id,
                    content_type=content_type,
                    size=len(data),
                    data=data,
                    uploaded_by=scope.actor,
                    created_at=self.clock.now(),
                    person_id=scope.person_id,
                )
            )
        assert photo.id is not None
        return photo.id

    async def photo(self, p: Principal, photo_id: int) -> Photo:
        async with self.db.session() as s:
            photo = await MessageRepo(s, self.clock).photo(p.scope, photo_id=photo_id)
            await AuditRepo(s, self.clock).note(
                p.scope, "read", target_type="photo", target_id=photo_id
            )
        return photo
