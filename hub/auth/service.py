"""Identity: staff sign-in, sessions, websocket tickets, PINs and revocation; device
enrolment is ``devices.py``, what they share ``sessions.py``."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import InvalidInput, NotFound, RateLimited, Unauthorised
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.identities import DeviceRepo, SessionRepo, UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.sign_in import SignInRepo
from hub.storage.scope import Scope
from hub.storage.tables import Ticket, User, WebSession
from schemas.api import UserCreate
from schemas.broker import Revocation
from schemas.codes import OrganisationKind, Role
from schemas.wire import PIN_RULE, is_pin

from .devices import DeviceIdentity
from .passwords import hash_password_async, verify_password
from .principal import DEVICE_KEY_PREFIX, USER_KEY_PREFIX, Principal
from .revocation import device_removed, signed_out, user_disabled
from .sessions import device_principal, user_principal
from .throttle import Guard
from .tokens import new_token, token_hash

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


class IdentityService(DeviceIdentity):
    """Identity: staff sign-in, sessions, websocket tickets, PINs, device enrolment and
    revocation (the device half in ``devices.py``, the shared core in ``sessions.py``)."""

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
        # Each step is one statement that needs nothing from a transaction around it: the
        # ticket is taken by one conditional UPDATE (of two sockets racing with it, one
        # gets it), then its session and its user or device are read.
        async with self.db.autocommit() as s:
            sessions = SessionRepo(s, self.clock)
            found = await sessions.consume_ticket(token_hash=token_hash(ticket))
            principal = None
            if found is not None:
                session = await sessions.live_by_id(session_id=found.session_id)
                if found.session_id is None or session is not None:
                    principal = await self._principal_of(s, found.user_id, found.device_id, session)
        if principal is None:
            async with self.db.session() as s:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous", action="ticket_redeem", outcome="refused"
                )
            raise Unauthorised("This ticket is unknown, expired or already used")
        return principal

    async def _principal_of(
        self,
        s: AsyncSession,
        user_id: int | None,
        device_id: int | None,
        session: WebSession | None,
    ) -> Principal | None:
        # Each with whether it is in a call: one Core statement on the session's connection.
        reads = SignInRepo(await s.connection())
        if user_id is not None:
            user = await reads.user_by_id(user_id=user_id, key_prefix=USER_KEY_PREFIX)
            return user_principal(user, session) if user and user.active else None
        if device_id is not None:
            device = await reads.device_by_id(device_id=device_id, key_prefix=DEVICE_KEY_PREFIX)
            if device is None or device.revoked_at is not None:
                return None
            return device_principal(device, session)
        return None

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
