"""Enrolled tablets: an enrolment code made by an administrator, redeemed once for the
device's long-lived credential; the device signing in with it (a session, or its own
websocket); and revocation, which ends its sessions and closes its sockets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.errors import InvalidInput, NotFound, Unauthorised
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.identities import DeviceRepo, SessionRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.repos.sign_in import SignInRepo
from hub.storage.scope import Scope
from hub.storage.tables import Device
from schemas.api import DeviceCreate
from schemas.codes import CallerRelationship, OrganisationKind

from .principal import DEVICE_KEY_PREFIX, Principal
from .revocation import device_removed
from .sessions import IdentityBase, device_principal
from .throttle import Guard
from .tokens import new_enrolment_code, new_token, normalise_enrolment_code, token_hash


class DeviceIdentity(IdentityBase):
    async def create_enrolment(self, scope: Scope, data: DeviceCreate) -> tuple[Device, str, str]:
        """Register a tablet for a site; returns the device, its site's ODS code and the code."""
        scope.require_admin()
        code = new_enrolment_code()
        async with self.db.session() as s:
            site = await OrganisationRepo(s, self.clock).by_ods(scope, ods_code=data.site_ods)
            if not OrganisationKind(site.kind).is_site:
                raise InvalidInput("Devices are enrolled to a site", field="site_ods")
            assert site.id is not None
            person_id, relationship = None, None
            if data.person_nhs_number is not None:
                if site.kind != OrganisationKind.OWN_HOME:
                    raise InvalidInput(
                        "Only an own-home service's devices are enrolled to one person",
                        field="person_nhs_number",
                    )
                person = await PersonRepo(s, self.clock).at_site(
                    scope, site_id=site.id, nhs_number=data.person_nhs_number
                )
                person_id = person.id
                relationship = (data.relationship or CallerRelationship.PATIENT).value
            elif data.relationship is not None:
                raise InvalidInput(
                    "A relationship needs the person it is to", field="person_nhs_number"
                )
            now = self.clock.now()
            device = await DeviceRepo(s, self.clock).add(
                Device(
                    site_id=site.id,
                    label=data.label,
                    person_id=person_id,
                    relationship=relationship,
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
                person_id=person_id,
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
            device = await self._enrolled(s, credential, detail=None)
            if device is not None:
                token = new_token()
                session = await self._open_session(s, token, device_id=device.id)
        if device is None:
            raise Unauthorised("This device is not enrolled or has been revoked")
        return device_principal(device, session), token

    async def device_principal_for(
        self, credential: str, *, client: str | None = None
    ) -> Principal:
        """A device authenticating its own websocket with its credential (the Python client)."""
        await self._attempt(
            "ws_credential", (Guard.WS_CREDENTIAL, client), (Guard.WS_CREDENTIAL, credential)
        )
        async with self.db.lookup() as conn:  # one Core read: no transaction, no ORM session
            device = await SignInRepo(conn).device_by_credential(
                credential_hash=token_hash(credential), key_prefix=DEVICE_KEY_PREFIX
            )
        if device is None or device.revoked_at is not None:
            async with self.db.session() as s:
                await self._refused(
                    s, None if device is None else device.id, detail={"via": "websocket"}
                )
            raise Unauthorised("This device is not enrolled or has been revoked")
        return device_principal(device)

    async def _enrolled(
        self, s: AsyncSession, credential: str, *, detail: dict[str, str] | None
    ) -> Device | None:
        """The enrolled, unrevoked device with this credential; None (the refusal audited)
        for an unknown or revoked one."""
        device = await DeviceRepo(s, self.clock).by_credential(
            credential_hash=token_hash(credential)
        )
        if device is not None and device.revoked_at is None:
            return device
        await self._refused(s, None if device is None else device.id, detail=detail)
        return None

    async def _refused(
        self, s: AsyncSession, device_id: int | None, *, detail: dict[str, str] | None
    ) -> None:
        """Audit a sign-in with an unknown (None) or revoked device's credential."""
        await AuditRepo(s, self.clock).record(
            actor="anonymous" if device_id is None else f"device:{device_id}",
            action="device_sign_in",
            outcome="refused",
            detail=detail,
        )

    async def devices(self, scope: Scope, site_id: int) -> Sequence[Device]:
        """A site's devices, enrolled, waiting for their code, and revoked (audited: their
        labels and the people they belong to are the site's)."""
        scope.require_admin()
        async with self.db.session() as s:
            found = await DeviceRepo(s, self.clock).by_site(scope, site_id=site_id)
            await AuditRepo(s, self.clock).note(
                scope, "device_list", organisation_id=site_id, target_type="site", target_id=site_id
            )
        return found

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
