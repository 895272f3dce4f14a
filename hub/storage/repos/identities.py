"""Users, devices, browser sessions and websocket tickets."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlmodel import col, select

from hub.clock import as_utc
from hub.errors import InvalidInput, NotFound

from ..scope import Scope
from ..tables import Device, Ticket, User, WebSession
from .base import Repo


class UserRepo(Repo):
    async def by_username(self, *, username: str) -> User | None:
        """For sign-in only: the one read that happens before there is a scope."""
        return (await self.session.exec(select(User).where(User.username == username))).first()

    async def by_id(self, *, user_id: int) -> User | None:
        """Staff directory lookup (names on a call, transfer targets): no clinical data."""
        return await self.session.get(User, user_id)

    async def get(self, scope: Scope, *, user_id: int) -> User:
        user = await self.session.get(User, user_id)
        if user is None or not (scope.is_hub or user.organisation_id == scope.organisation_id):
            raise NotFound("No such user")
        return user

    async def staff_of(self, scope: Scope, *, role: str | None = None) -> Sequence[User]:
        stmt = select(User).where(col(User.active).is_(True))
        if not scope.is_hub:
            stmt = stmt.where(User.organisation_id == scope.organisation_id)
        if role is not None:
            stmt = stmt.where(User.role == role)
        return (await self.session.exec(stmt.order_by(User.display_name))).all()

    async def disabled_among(self, *, user_ids: Collection[int]) -> set[int]:
        """Which of these users are disabled (or gone)."""
        if not user_ids:
            return set()
        active = (
            await self.session.exec(
                select(User.id).where(col(User.id).in_(user_ids), col(User.active).is_(True))
            )
        ).all()
        return set(user_ids) - {i for i in active if i is not None}

    async def add(self, user: User) -> User:
        if await self.by_username(username=user.username) is not None:
            raise InvalidInput(f"The username {user.username} is taken", field="username")
        self.session.add(user)
        await self.session.flush()
        return user


class DeviceRepo(Repo):
    async def add(self, device: Device) -> Device:
        self.session.add(device)
        await self.session.flush()
        return device

    async def get(self, scope: Scope, *, device_id: int) -> Device:
        device = (
            await self.session.exec(
                select(Device).where(Device.id == device_id, scope.site_clause(Device.site_id))
            )
        ).first()
        if device is None:
            raise NotFound("No such device")
        return device

    async def by_site(self, scope: Scope, *, site_id: int) -> Sequence[Device]:
        return (
            await self.session.exec(
                select(Device).where(Device.site_id == site_id, scope.site_clause(Device.site_id))
            )
        ).all()

    async def claim_enrolment(
        self, *, code_hash: str, credential_hash: str, now: datetime
    ) -> Device | None:
        """Use an enrolment code once, atomically: a second use finds nothing to update."""
        result = await self.session.exec(
            update(Device)
            .where(
                col(Device.enrolment_code_hash) == code_hash,
                col(Device.revoked_at).is_(None),
                col(Device.enrolment_expires_at) > now,
            )
            .values(
                enrolment_code_hash=None,
                credential_hash=credential_hash,
                enrolled_at=now,
            )
            .returning(col(Device.id))
        )
        device_id = result.scalar_one_or_none()
        if device_id is None:
            return None
        return await self.session.get(Device, device_id, populate_existing=True)

    async def revoked_among(self, *, device_ids: Collection[int]) -> set[int]:
        """Which of these devices are revoked (or gone)."""
        if not device_ids:
            return set()
        live = (
            await self.session.exec(
                select(Device.id).where(
                    col(Device.id).in_(device_ids), col(Device.revoked_at).is_(None)
                )
            )
        ).all()
        return set(device_ids) - {i for i in live if i is not None}

    async def reserve_pin_try(
        self, *, device_id: int, now: datetime, window: timedelta, tries: int
    ) -> bool:
        """Take one of the tablet's PIN tries in the current window, in one conditional
        UPDATE: counted, checked and recorded together, so of 20 parallel tries only
        ``tries`` get one (PostgreSQL re-checks the condition on the locked row; SQLite
        has one writer at a time). A window older than ``window`` starts again."""
        started = col(Device.pin_window_started_at)
        stale = or_(started.is_(None), started <= now - window)
        result = await self.session.exec(
            update(Device)
            .where(col(Device.id) == device_id, or_(stale, col(Device.pin_tries) < tries))
            .values(
                pin_tries=case((stale, 1), else_=col(Device.pin_tries) + 1),
                pin_window_started_at=case((stale, now), else_=started),
            )
            .returning(col(Device.id))
        )
        return result.scalar_one_or_none() is not None

    async def give_back_pin_try(self, *, device_id: int) -> None:
        """A right PIN does not count against the tablet."""
        await self.session.exec(
            update(Device)
            .where(col(Device.id) == device_id, col(Device.pin_tries) > 0)
            .values(pin_tries=col(Device.pin_tries) - 1)
        )

    async def by_credential(self, *, credential_hash: str) -> Device | None:
        return (
            await self.session.exec(select(Device).where(Device.credential_hash == credential_hash))
        ).first()


class SessionRepo(Repo):
    async def open(self, session: WebSession) -> None:
        self.session.add(session)
        await self.session.flush()

    async def live(self, *, token_hash: str, idle: timedelta | None = None) -> WebSession | None:
        """The session, if it is neither revoked, expired nor (given ``idle``) idle that long."""
        found = (
            await self.session.exec(select(WebSession).where(WebSession.token_hash == token_hash))
        ).first()
        return self._if_live(found, idle)

    async def live_by_id(self, *, session_id: int | None) -> WebSession | None:
        """The session with this id if it is live (a ticket's issuing session)."""
        if session_id is None:
            return None
        return self._if_live(await self.session.get(WebSession, session_id, populate_existing=True))

    def _if_live(
        self, found: WebSession | None, idle: timedelta | None = None
    ) -> WebSession | None:
        if found is None or found.revoked_at is not None:
            return None
        now = self.clock.now()
        if as_utc(found.expires_at) <= now:
            return None
        if idle is not None and as_utc(found.last_seen_at or found.created_at) + idle <= now:
            return None
        return found

    async def ended_among(self, *, token_hashes: Collection[str]) -> set[str]:
        """Which of these sessions are no longer live (revoked, expired or gone)."""
        if not token_hashes:
            return set()
        live = (
            await self.session.exec(
                select(WebSession.token_hash).where(
                    col(WebSession.token_hash).in_(token_hashes),
                    col(WebSession.revoked_at).is_(None),
                    col(WebSession.expires_at) > self.clock.now(),
                )
            )
        ).all()
        return set(token_hashes) - set(live)

    async def touch(self, found: WebSession, *, every: timedelta) -> None:
        """Note activity on a session, at most once per ``every`` (not a write per request)."""
        now = self.clock.now()
        if found.last_seen_at is None or as_utc(found.last_seen_at) + every <= now:
            found.last_seen_at = now
            self.session.add(found)

    async def touch_all(self, *, token_hashes: Collection[str]) -> None:
        """Note activity on these sessions (their sockets are open) in one statement."""
        if token_hashes:
            await self.session.exec(
                update(WebSession)
                .where(col(WebSession.token_hash).in_(token_hashes))
                .values(last_seen_at=self.clock.now())
            )

    async def revoke(self, *, token_hash: str) -> int | None:
        """End one session and any ticket it issued that is still unused; returns its id."""
        now = self.clock.now()
        result = await self.session.exec(
            update(WebSession)
            .where(col(WebSession.token_hash) == token_hash, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=now)
            .returning(col(WebSession.id))
        )
        session_id = result.scalar_one_or_none()
        if session_id is not None:
            await self.session.exec(
                update(Ticket)
                .where(col(Ticket.session_id) == session_id, col(Ticket.used_at).is_(None))
                .values(used_at=now)
            )
        return session_id

    async def revoke_user(self, *, user_id: int) -> None:
        await self.session.exec(
            update(WebSession)
            .where(col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=self.clock.now())
        )

    async def revoke_device(self, *, device_id: int) -> None:
        await self.session.exec(
            update(WebSession)
            .where(col(WebSession.device_id) == device_id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=self.clock.now())
        )

    async def issue_ticket(self, ticket: Ticket) -> None:
        self.session.add(ticket)
        await self.session.flush()

    async def consume_ticket(self, *, token_hash: str) -> Ticket | None:
        """Single use, atomically: of two sockets racing with one ticket, one gets nothing."""
        now = self.clock.now()
        result = await self.session.exec(
            update(Ticket)
            .where(
                col(Ticket.token_hash) == token_hash,
                col(Ticket.used_at).is_(None),
                col(Ticket.expires_at) > now,
            )
            .values(used_at=now)
            .returning(Ticket)  # the whole row: no second read
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none()
