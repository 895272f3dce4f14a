"""Identity: staff sign-in, sessions, websocket tickets, device enrolment and revocation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock
from hub.errors import InvalidInput, NotFound, RateLimited, Unauthorised
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.identities import DeviceRepo, SessionRepo, UserRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.scope import Scope
from hub.storage.tables import Device, Ticket, User, WebSession
from schemas.api import DeviceCreate, UserCreate
from schemas.codes import OrganisationKind, Role
from schemas.wire import PIN_RULE, is_pin

from .passwords import hash_password_async, verify_password
from .principal import Principal
from .tokens import new_enrolment_code, new_token, normalise_enrolment_code, token_hash

# A tablet that gets this many PINs wrong in the window stops accepting PINs for the rest of it.
PIN_TRIES = 5
PIN_WINDOW = timedelta(minutes=15)

# Which organisations each role may belong to.
_ROLE_HOMES: dict[Role, set[OrganisationKind]] = {
    Role.CARE_HOME_STAFF: {k for k in OrganisationKind if k.is_site},
    Role.HUB_NURSE: {OrganisationKind.HUB},
    Role.SPECIALIST: {OrganisationKind.HUB},
    Role.HUB_ADMIN: {OrganisationKind.HUB},
    Role.CLINICAL_LEAD: {OrganisationKind.HUB},
    Role.COMMISSIONER: {OrganisationKind.COMMISSIONER},
}


def user_principal(user: User, session_token_hash: str | None = None) -> Principal:
    assert user.id is not None
    scope = Scope(role=Role(user.role), organisation_id=user.organisation_id, user_id=user.id)
    return Principal(scope=scope, name=user.display_name, session_token_hash=session_token_hash)


def device_principal(device: Device, session_token_hash: str | None = None) -> Principal:
    assert device.id is not None
    scope = Scope(role=Role.CARE_HOME_STAFF, organisation_id=device.site_id, device_id=device.id)
    return Principal(scope=scope, name=device.label, session_token_hash=session_token_hash)


class IdentityService:
    def __init__(self, db: Database, clock: Clock, settings: HubSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    # -- staff ---------------------------------------------------------------------------
    async def sign_in(self, username: str, password: str) -> tuple[Principal, str]:
        """Check a password and open a session. Returns the principal and the cookie value."""
        async with self.db.session() as s:
            user = await UserRepo(s, self.clock).by_username(username=username.strip().lower())
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
            now = self.clock.now()
            await SessionRepo(s, self.clock).open(
                WebSession(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + timedelta(hours=self.settings.session_hours),
                )
            )
            await audit.record(
                actor=f"user:{user.id}", action="sign_in", organisation_id=user.organisation_id
            )
        return user_principal(user, token_hash(token)), token

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

        Wrong PINs are counted per tablet in the audit trail: after ``PIN_TRIES`` in
        ``PIN_WINDOW`` the tablet takes no more PINs until the window has passed (a call
        can still be made without one)."""
        scope = principal.scope
        if not principal.is_device:
            raise InvalidInput("A PIN signs a call on a shared tablet only", field="caller_pin")
        wanted = " ".join((name or "").split()).casefold()
        if not wanted:
            raise InvalidInput(
                "Enter your name to sign the call with your PIN", field="caller_name"
            )
        async with self.db.session() as s:
            audit = AuditRepo(s, self.clock)
            refused = await audit.count(
                actor=scope.actor,
                action="caller_pin",
                outcome="refused",
                since=self.clock.now() - PIN_WINDOW,
            )
            if refused >= PIN_TRIES:
                raise RateLimited(
                    "Too many wrong PINs on this tablet. Call without a PIN, or try again"
                    f" in {int(PIN_WINDOW.total_seconds() // 60)} minutes"
                )
            staff = await UserRepo(s, self.clock).staff_of(scope, role=Role.CARE_HOME_STAFF)
        named = [u for u in staff if u.pin_hash and u.display_name.casefold() == wanted]
        found: User | None = None
        for user in named:
            if await verify_password(user.pin_hash, pin):
                found = user
                break
        if not named:
            await verify_password(None, pin)  # an unknown name costs the same time
        async with self.db.session() as s:
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
        hashed = token_hash(token)
        async with self.db.session() as s:
            session = await SessionRepo(s, self.clock).live(token_hash=hashed)
            if session is None:
                return None
            return await self._principal_of(s, session.user_id, session.device_id, hashed)

    async def sign_out(self, token: str) -> None:
        async with self.db.session() as s:
            await SessionRepo(s, self.clock).revoke(token_hash=token_hash(token))

    async def issue_ticket(self, principal: Principal) -> tuple[str, datetime]:
        token = new_token()
        expires = self.clock.now() + timedelta(seconds=self.settings.ticket_seconds)
        async with self.db.session() as s:
            await SessionRepo(s, self.clock).issue_ticket(
                Ticket(
                    token_hash=token_hash(token),
                    user_id=principal.scope.user_id,
                    device_id=principal.scope.device_id,
                    expires_at=expires,
                )
            )
        return token, expires

    async def redeem_ticket(self, ticket: str) -> Principal:
        """Exchange a websocket ticket, once, for the principal it was issued to."""
        async with self.db.session() as s:
            found = await SessionRepo(s, self.clock).consume_ticket(token_hash=token_hash(ticket))
            principal = (
                None
                if found is None
                else await self._principal_of(s, found.user_id, found.device_id, None)
            )
            if principal is None:
                await AuditRepo(s, self.clock).record(
                    actor="anonymous", action="ticket_redeem", outcome="refused"
                )
        if principal is None:
            raise Unauthorised("This ticket is unknown, expired or already used")
        return principal

    async def _principal_of(
        self, s: AsyncSession, user_id: int | None, device_id: int | None, hashed: str | None
    ) -> Principal | None:
        if user_id is not None:
            user = await s.get(User, user_id)
            return user_principal(user, hashed) if user and user.active else None
        if device_id is not None:
            device = await s.get(Device, device_id)
            if device is None or device.revoked_at is not None:
                return None
            return device_principal(device, hashed)
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

    async def enrol(self, code: str) -> tuple[Device, str]:
        """Redeem a one-time enrolment code for the device's long-lived credential."""
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

    async def device_sign_in(self, credential: str) -> tuple[Principal, str]:
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
                now = self.clock.now()
                await SessionRepo(s, self.clock).open(
                    WebSession(
                        token_hash=token_hash(token),
                        device_id=device.id,
                        created_at=now,
                        expires_at=now + timedelta(hours=self.settings.session_hours),
                    )
                )
        if refused or device is None:
            raise Unauthorised("This device is not enrolled or has been revoked")
        return device_principal(device, token_hash(token)), token

    async def device_principal_for(self, credential: str) -> Principal:
        """A device authenticating its own websocket with its credential (the Python client)."""
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
        return device
