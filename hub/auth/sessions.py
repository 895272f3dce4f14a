"""What every way into the hub shares: a principal made from a user or a device, the
service's core (its database, clock, settings, throttle and revocation sink), attempts
counted against the throttle, and a session opened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, as_utc
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.identities import SessionRepo
from hub.storage.repos.sign_in import DeviceSignIn, UserSignIn
from hub.storage.scope import Scope
from hub.storage.tables import Device, User, WebSession
from schemas.codes import CallerRelationship, Role

from .principal import Principal
from .revocation import NoSockets, RevocationSink
from .throttle import Guard, Throttle, Throttled, hashed
from .tokens import token_hash


def user_principal(user: User | UserSignIn, session: WebSession | None = None) -> Principal:
    assert user.id is not None
    scope = Scope(role=Role(user.role), organisation_id=user.organisation_id, user_id=user.id)
    return Principal(
        scope=scope,
        name=user.display_name,
        in_call=user.in_call if isinstance(user, UserSignIn) else None,
        **_session_fields(session),
    )


def device_principal(device: Device | DeviceSignIn, session: WebSession | None = None) -> Principal:
    assert device.id is not None
    scope = Scope(
        role=Role.CARE_HOME_STAFF,
        organisation_id=device.site_id,
        device_id=device.id,
        person_id=device.person_id,
    )
    relationship = CallerRelationship(device.relationship) if device.relationship else None
    return Principal(
        scope=scope,
        name=device.label,
        relationship=relationship,
        in_call=device.in_call if isinstance(device, DeviceSignIn) else None,
        **_session_fields(session),
    )


def _session_fields(session: WebSession | None) -> dict[str, Any]:
    if session is None:
        return {}
    return {
        "session_token_hash": session.token_hash,
        "session_expires_at": as_utc(session.expires_at),
    }


class IdentityBase:
    def __init__(
        self, db: Database, clock: Clock, settings: HubSettings, throttle: Throttle | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        # Told of every revocation once it is committed; the realtime side sets its own.
        self.revocations: RevocationSink = NoSockets()
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.throttle = throttle or Throttle(settings)

    async def _attempt(self, action: str, *guards: tuple[Guard, str | None]) -> None:
        """Count an attempt against each guard whose key is known (hashed here); when one
        is exhausted, audit the refusal and raise ``Throttled`` before any check runs.

        The guards are counted together (with Redis, in one round trip), so an attempt one
        guard refuses still counts against the others."""
        try:
            await self.throttle.attempt_all([(g, hashed(k)) for g, k in guards if k is not None])
        except Throttled as failed:
            async with self.db.session() as s:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous",
                    action=action,
                    outcome="throttled",
                    detail={"guard": failed.guard.value},
                )
            raise

    async def _open_session(
        self,
        s: AsyncSession,
        token: str,
        *,
        user_id: int | None = None,
        device_id: int | None = None,
    ) -> WebSession:
        now = self.clock.now()
        session = WebSession(
            token_hash=token_hash(token),
            user_id=user_id,
            device_id=device_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=self.settings.session_hours),
        )
        await SessionRepo(s, self.clock).open(session)
        return session
