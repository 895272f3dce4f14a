"""Identity: staff sign-in, sessions, websocket tickets, device enrolment and revocation."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, as_utc
from hub.errors import InvalidInput, NotFound, RateLimited, Unauthorised
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.identities import DeviceRepo, SessionRepo, UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.scope import Scope
from hub.storage.tables import Device, Ticket, User, WebSession
from schemas.api import DeviceCreate, UserCreate
from schemas.broker import Revocation
from schemas.codes import OrganisationKind, Role
from schemas.wire import PIN_RULE, is_pin

from .passwords import hash_password_async, verify_password
from .principal import Principal
from .revocation import NoSockets, RevocationSink, device_removed, signed_out, user_disabled
from .throttle import Guard, Throttle, Throttled, hashed
from .tokens import new_enrolment_code, new_token, normalise_enrolment_code, token_hash

# A tablet that gets this many PINs wrong in the window stops accepting PINs for the rest of it.
PIN_TRIES = 5
PIN_WINDOW = timedelta(minutes=15)

# Which organisations each role may belong to.
_ROLE_HOMES: dict[Role, set[OrganisationKind]] = {
    Role.CARE_HOME_STAFF: {k for k in OrganisationKind if k.is_site},
    Role.PRISON_STAFF: {OrganisationKind.PRISON},
    Role.HUB_NURSE: {OrganisationKind.HUB},
    Role.SPECIALIST: {OrganisationKind.HUB},
    Role.HUB_ADMIN: {OrganisationKind.HUB},
    Role.CLINICAL_LEAD: {OrganisationKind.HUB},
    Role.COMMISSIONER: {OrganisationKind.COMMISSIONER},
}


# A live session's last-seen time is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def user_principal(user: User, session: WebSession | None = None) -> Principal:
    assert user.id is not None
    scope = Scope(role=Role(user.role), organisation_id=user.organisation_id, user_id=user.id)
    return Principal(scope=scope, name=user.display_name, **_session_fields(session))


def device_principal(device: Device, session: WebSession | None = None) -> Principal:
    assert device.id is not None
    scope = Scope(role=Role.CARE_HOME_STAFF, organisation_id=device.site_id, device_id=device.id)
    return Principal(scope=scope, name=device.label, **_session_fields(session))


def _session_fields(session: WebSession | None) -> dict[str, Any]:
    if session is None:
        return {}
    return {
        "session_token_hash": session.token_hash,
        "session_expires_at": as_utc(session.expires_at),
    }


class IdentityService:
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
        is exhausted, audit the refusal and raise ``Throttled`` before any check runs."""
        try:
            for guard, key in guards:
                if key is not None:
                    await self.throttle.attempt(guard, hashed(key))
        except Throttled as exc:
            async with self.db.session() as s:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous",
                    action=action,
                    outcome="throttled",
                    detail={"guard": exc.guard.value},
                )
            raise

    # -- staff ---------------------------------------------------------------------------
    async def sign_in(
        self, username: str, password: str, *, client: str | None = None
    ) -> tuple[Principal, str]:
        """Check a password and open a session. Returns the principal and the cookie value.

        Throttled per username and per client address before the password is checked."""
        wanted = username.strip().lower()
        await self._attempt(
            "sign_in", (Guard.SIGN_IN_ADDRESS, client), (Guard.SIGN_IN_ACCOUNT, wanted)
        )
        async with self.db.session() as s:
            user = await UserRepo(s, self.clock).by_username(username=wanted)
        ok = await verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            async with self.db.session() as s:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous",
                    action="sign_in",
                    outcome="refused",
                    target_type="user" if user else None,
                    target_id=user.id if user else None,
                )
            raise Unauthorised("Wrong username or password")
        async with self.db.session() as s:
            audit = AuditRepo(s, self.clock)
            token = new_token()
            session = await self._open_session(s, token, user_id=user.id)
            await audit.record(
                actor=f"user:{user.id}", action="sign_in", organisation_id=user.organisation_id
            )
        return user_principal(user, session), token

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

    async def add_user(self, scope: Scope, data: UserCreate) -> User:
        scope.require_admin()
        password_hash = await hash_password_async(data.password)
        async with self.db.session() as s:
            org = await OrganisationRepo(s, self.clock).by_ods(
                scope, ods_code=data.organisation_ods
            )
            if OrganisationKind(org.kind) not in _ROLE_HOMES[data.role]:
                raise InvalidInput(
                    f"A {data.role.label.lower()} cannot belong to {org.name}", field="role"
                )
            assert org.id is not None
            user = await UserRepo(s, self.clock).add(
                User(
                    username=data.username,
                    display_name=data.display_name,
                    role=data.role.value,
                    organisation_id=org.id,
                    specialty=data.specialty,
                    password_hash=password_hash,
                    created_at=self.clock.now(),
                )
            )
            await AuditRepo(s, self.clock).note(
                scope, "user_add", target_type="user", target_id=user.id
            )
        return user

    # -- PINs for signing calls on a shared tablet ---------------------------------------
    async def set_pin(self, scope: Scope, username: str, pin: str | None) -> User:
        """Give a member of care-home staff a PIN (or take it away with None)."""
        scope.require_admin()
        if pin is not None and not is_pin(pin):
            raise InvalidInput(PIN_RULE, field="pin")
        pin_hash = await hash_password_async(pin) if pin is not None else None
        async with self.db.session() as s:
            user = await UserRepo(s, self.clock).by_username(username=username.strip().lower())
            if user is None:
                raise NotFound(f"No user {username}")
            if user.role != Role.CARE_HOME_STAFF:
                raise InvalidInput("Only care-home staff sign calls with a PIN", field="username")
            user.pin_hash = pin_hash
            s.add(user)
            await AuditRepo(s, self.clock).note(
                scope,
                "pin_set" if pin is not None else "pin_clear",
                organisation_id=user.organisation_id,
                target_type="user",
                target_id=user.id,
            )
        return user

    async def pin_holders(self, principal: Principal) -> list[str]:
        """The names a shared tablet offers for signing a call: its site's staff with a PIN."""
        if not principal.is_device:
            return []
        async with self.db.session() as s:
            staff = await UserRepo(s, self.clock).staff_of(
                principal.scope, role=Role.CARE_HOME_STAFF
            )
        return [u.display_name for u in staff if u.pin_hash]

    async def caller_by_pin(self, principal: Principal, name: str | None, pin: str) -> User:
        """The member of the tablet's own site staff with this name and PIN.

        Each try takes one of the tablet's ``PIN_TRIES`` for the ``PIN_WINDOW`` (counted,
        checked and recorded in one atomic step, before argon2 runs) and a right PIN gives
        it back: after ``PIN_TRIES`` wrong ones the tablet takes no more PINs until the
        window has passed (a call can still be made without one). Every try is audited."""
        scope = principal.scope
        if not principal.is_device:
            raise InvalidInput("A PIN signs a call on a shared tablet only", field="caller_pin")
        wanted = " ".join((name or "").split()).casefold()
        if not wanted:
            raise InvalidInput(
                "Enter your name to sign the call with your PIN", field="caller_name"
            )
        assert scope.device_id is not None
        async with self.db.session() as s:
            reserved = await DeviceRepo(s, self.clock).reserve_pin_try(
                device_id=scope.device_id,
                now=self.clock.now(),
                window=PIN_WINDOW,
                tries=PIN_TRIES,
            )
            if not reserved:
                await AuditRepo(s, self.clock).note(scope, "caller_pin", outcome="throttled")
            staff = await UserRepo(s, self.clock).staff_of(scope, role=Role.CARE_HOME_STAFF)
        if not reserved:
            raise RateLimited(
                "Too many wrong PINs on this tablet. Call without a PIN, or try again"
                f" in {int(PIN_WINDOW.total_seconds() // 60)} minutes"
            )
        named = [u for u in staff if u.pin_hash and u.display_name.casefold() == wanted]
        found: User | None = None
        for user in named:
            if await verify_password(user.pin_hash, pin):
                found = user
                break
        if not named:
            await verify_password(None, pin)  # an unknown name costs the same time
        async with self.db.session() as s:
            if found is not None:
                await DeviceRepo(s, self.clock).give_back_pin_try(device_id=scope.device_id)
            await AuditRepo(s, self.clock).note(
                scope,
                "caller_pin",
                organisation_id=scope.organisation_id,
                outcome="ok" if found else "refused",
                target_type="user" if found else None,
                target_id=found.id if found else None,
            )
        if found is None:
            raise InvalidInput(
                "That name and PIN do not match anyone at this home", field="caller_pin"
            )
        return found

    # -- sessions ------------------------------------------------------------------------
    async def resolve_session(self, token: str) -> Principal | None:
        """The principal of a live session (not revoked, expired or idle), noting activity."""
        async with self.db.session() as s:
            sessions = SessionRepo(s, self.clock)
            session = await sessions.live(token_hash=token_hash(token), idle=self.idle)
            if session is None:
                return None
            await sessions.touch(session, every=TOUCH_EVERY)
            return await self._principal_of(s, session.user_id, session.device_id, session)

    async def sign_out(self, token: str) -> None:
        """End the session, its unused tickets and (on every process) its sockets."""
        hashed = token_hash(token)
        async with self.db.session() as s:
            session_id = await SessionRepo(s, self.clock).revoke(token_hash=hashed)
        if session_id is not None:
            await self.revocations.revoke(signed_out(hashed))

    async def issue_ticket(self, principal: Principal) -> tuple[str, datetime]:
        """A single-use websocket ticket, bound to the principal's session if it has one:
        it is redeemable only while that session is live."""
        token = new_token()
        expires = self.clock.now() + timedelta(seconds=self.settings.ticket_seconds)
        async with self.db.session() as s:
            sessions = SessionRepo(s, self.clock)
            session_id = None
            if principal.session_token_hash is not None:
                session = await sessions.live(token_hash=principal.session_token_hash)
                if session is None:
                    raise Unauthorised("Please sign in")
                session_id = session.id
            await sessions.issue_ticket(
                Ticket(
                    token_hash=token_hash(token),
                    user_id=principal.scope.user_id,
                    device_id=principal.scope.device_id,
                    session_id=session_id,
                    expires_at=expires,
                )
            )
        return token, expires

    async def redeem_ticket(self, ticket: str) -> Principal:
        """Exchange a websocket ticket, once, for the principal it was issued to (and, if a
        session issued it, only while that session is live)."""
        async with self.db.session() as s:
            sessions = SessionRepo(s, self.clock)
            found = await sessions.consume_ticket(token_hash=token_hash(ticket))
            principal = None
            if found is not None:
                session = await sessions.live_by_id(session_id=found.session_id)
                if found.session_id is None or session is not None:
                    principal = await self._principal_of(s, found.user_id, found.device_id, session)
            if principal is None:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous", action="ticket_redeem", outcome="refused"
                )
        if principal is None:
            raise Unauthorised("This ticket is unknown, expired or already used")
        return principal

    async def _principal_of(
        self,
        s: AsyncSession,
        user_id: int | None,
        device_id: int | None,
        session: WebSession | None,
    ) -> Principal | None:
        if user_id is not None:
            user = await s.get(User, user_id)
            return user_principal(user, session) if user and user.active else None
        if device_id is not None:
            device = await s.get(Device, device_id)
            if device is None or device.revoked_at is not None:
                return None
            return device_principal(device, session)
        return None

    # -- devices -------------------------------------------------------------------------
    async def create_enrolment(self, scope: Scope, data: DeviceCreate) -> tuple[Device, str, str]:
        """Register a tablet for a site; returns the device, its site's ODS code and the code."""
        scope.require_admin()
        code = new_enrolment_code()
        async with self.db.session() as s:
            site = await OrganisationRepo(s, self.clock).by_ods(scope, ods_code=data.site_ods)
            if not OrganisationKind(site.kind).is_site:
                raise InvalidInput("Devices are enrolled to a site", field="site_ods")
            assert site.id is not None
            now = self.clock.now()
            device = await DeviceRepo(s, self.clock).add(
                Device(
                    site_id=site.id,
                    label=data.label,
                    enrolment_code_hash=token_hash(normalise_enrolment_code(code)),
                    enrolment_expires_at=now + timedelta(hours=self.settings.enrolment_code_hours),
                    created_at=now,
                )
            )
            await AuditRepo(s, self.clock).note(
                scope,
                "device_enrolment_created",
                organisation_id=site.id,
                target_type="device",
                target_id=device.id,
            )
        return device, site.ods_code, code

    async def enrol(self, code: str, *, client: str | None = None) -> tuple[Device, str]:
        """Redeem a one-time enrolment code for the device's long-lived credential."""
        await self._attempt("device_enrol", (Guard.ENROLMENT, client))
        credential = new_token()
        async with self.db.session() as s:
            device = await DeviceRepo(s, self.clock).claim_enrolment(
                code_hash=token_hash(normalise_enrolment_code(code)),
                credential_hash=token_hash(credential),
                now=self.clock.now(),
            )
            audit = AuditRepo(s, self.clock)
            if device is None:
                await audit.record(actor="anonymous", action="device_enrol", outcome="refused")
        if device is None:
            raise Unauthorised("This enrolment code is unknown, expired or already used")
        async with self.db.session() as s:
            await AuditRepo(s, self.clock).record(
                actor=f"device:{device.id}",
                action="device_enrol",
                organisation_id=device.site_id,
                target_type="device",
                target_id=device.id,
            )
        return device, credential

    async def device_sign_in(
        self, credential: str, *, client: str | None = None
    ) -> tuple[Principal, str]:
        await self._attempt(
            "device_sign_in", (Guard.DEVICE_SIGN_IN, client), (Guard.DEVICE_SIGN_IN, credential)
        )
        async with self.db.session() as s:
            device = await DeviceRepo(s, self.clock).by_credential(
                credential_hash=token_hash(credential)
            )
            if device is None or device.revoked_at is not None:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous" if device is None else f"device:{device.id}",
                    action="device_sign_in",
                    outcome="refused",
                )
                refused = True
            else:
                refused = False
                token = new_token()
                session = await self._open_session(s, token, device_id=device.id)
        if refused or device is None:
            raise Unauthorised("This device is not enrolled or has been revoked")
        return device_principal(device, session), token

    async def device_principal_for(
        self, credential: str, *, client: str | None = None
    ) -> Principal:
        """A device authenticating its own websocket with its credential (the Python client)."""
        await self._attempt(
            "ws_credential", (Guard.WS_CREDENTIAL, client), (Guard.WS_CREDENTIAL, credential)
        )
        async with self.db.session() as s:
            device = await DeviceRepo(s, self.clock).by_credential(
                credential_hash=token_hash(credential)
            )
            if device is None or device.revoked_at is not None:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous" if device is None else f"device:{device.id}",
                    action="device_sign_in",
                    outcome="refused",
                    detail={"via": "websocket"},
                )
        if device is None or device.revoked_at is not None:
            raise Unauthorised("This device is not enrolled or has been revoked")
        return device_principal(device)

    async def revoke_device(self, scope: Scope, device_id: int) -> Device:
        scope.require_admin()
        async with self.db.session() as s:
            device = await DeviceRepo(s, self.clock).get(scope, device_id=device_id)
            if device.revoked_at is not None:
                raise NotFound("This device is already revoked")
            device.revoked_at = self.clock.now()
            device.enrolment_code_hash = None
            s.add(device)
            await SessionRepo(s, self.clock).revoke_device(device_id=device_id)
            await AuditRepo(s, self.clock).note(
                scope,
                "device_revoke",
                organisation_id=device.site_id,
                target_type="device",
                target_id=device_id,
            )
        await self.revocations.revoke(device_removed(device_id))
        return device

    async def keep_alive(self, session_token_hashes: Iterable[str]) -> None:
        """These sessions have sockets open: they are in use, not idle."""
        async with self.db.session() as s:
            await SessionRepo(s, self.clock).touch_all(token_hashes=set(session_token_hashes))

    async def ended(self, principals: Collection[Principal]) -> list[Revocation]:
        """The revocations, read from the database, that apply to any of these principals
        (for a process that may have missed their doorbells on the broker)."""
        devices = {p.scope.device_id for p in principals if p.scope.device_id is not None}
        users = {
            p.scope.user_id for p in principals if p.scope.device_id is None and p.scope.user_id
        }
        hashes = {p.session_token_hash for p in principals if p.session_token_hash}
        async with self.db.session() as s:
            gone_devices = await DeviceRepo(s, self.clock).revoked_among(device_ids=devices)
            gone_users = await UserRepo(s, self.clock).disabled_among(user_ids=users)
            ended_sessions = await SessionRepo(s, self.clock).ended_among(token_hashes=hashes)
        return [
            *(device_removed(d) for d in sorted(gone_devices)),
            *(user_disabled(u) for u in sorted(gone_users)),
            *(signed_out(h) for h in sorted(ended_sessions)),
        ]

    async def disable_user(self, scope: Scope, user_id: int) -> User:
        """Take a member of staff's access away: sessions, tickets and sockets end now."""
        scope.require_admin()
        async with self.db.session() as s:
            user = await UserRepo(s, self.clock).get(scope, user_id=user_id)
            if not user.active:
                raise NotFound("This user is already disabled")
            user.active = False
            s.add(user)
            await SessionRepo(s, self.clock).revoke_user(user_id=user_id)
            await AuditRepo(s, self.clock).note(
                scope,
                "user_disable",
                organisation_id=user.organisation_id,
                target_type="user",
                target_id=user_id,
            )
        await self.revocations.revoke(user_disabled(user_id))
        return user
