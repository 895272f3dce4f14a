"""The benchmark's people and tablets, written straight into a fresh hub database.

Nurses can hold one call at a time, so every pair gets its own nurse and its own tablet.
Tablets get a credential (only its hash is stored, as enrolment would leave it); nurses
sign in with websocket tickets issued through ``IdentityService`` when they connect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.auth.passwords import hash_password
from hub.auth.tokens import new_token, token_hash
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from hub.storage.tables import Device, Organisation, User
from schemas.codes import OrganisationKind, Role

DEVICES_PER_SITE = 100


@dataclass(frozen=True, slots=True)
class Tablet:
    device_id: int
    credential: str

    @property
    def key(self) -> str:
        return f"device:{self.device_id}"


@dataclass
class BenchWorld:
    nurses: list[User] = field(default_factory=list)
    tablets: list[Tablet] = field(default_factory=list)
    _next_nurse: int = 0
    _next_tablet: int = 0

    def take_nurses(self, n: int) -> list[User]:
        """Nurses nobody in this run has used yet (each holds one call at a time)."""
        taken = self.nurses[self._next_nurse : self._next_nurse + n]
        if len(taken) < n:
            raise RuntimeError(f"the benchmark world has too few nurses for {n} more")
        self._next_nurse += n
        return taken

    def take_tablets(self, n: int) -> list[Tablet]:
        taken = self.tablets[self._next_tablet : self._next_tablet + n]
        if len(taken) < n:
            raise RuntimeError(f"the benchmark world has too few tablets for {n} more")
        self._next_tablet += n
        return taken


async def build_bench_world(db: Database, *, nurses: int, tablets: int) -> BenchWorld:
    """Migrate an empty database and add a hub, care homes, nurses and enrolled tablets."""
    await upgrade(db)
    now = datetime.now(UTC)
    password_hash = hash_password(new_token())  # nobody signs in with a password here
    world = BenchWorld()
    async with db.session() as s:
        hub = Organisation(
            ods_code="BHUB", name="Bench Hub", kind=OrganisationKind.HUB.value, created_at=now
        )
        commissioner = Organisation(
            ods_code="BQ1",
            name="Bench Commissioner",
            kind=OrganisationKind.COMMISSIONER.value,
            created_at=now,
        )
        s.add_all([hub, commissioner])
        await s.flush()
        assert hub.id is not None
        users = [
            User(
                username=f"bench.nurse.{i}",
                display_name=f"Bench Nurse {i}",
                role=Role.HUB_NURSE.value,
                organisation_id=hub.id,
                password_hash=password_hash,
                created_at=now,
            )
            for i in range(nurses)
        ]
        s.add_all(users)
        sites: list[Organisation] = []
        for n in range((tablets + DEVICES_PER_SITE - 1) // DEVICES_PER_SITE):
            sites.append(
                Organisation(
                    ods_code=f"BH{n:04d}",
                    name=f"Bench Home {n}",
                    kind=OrganisationKind.CARE_HOME_NURSING.value,
                    commissioner_id=commissioner.id,
                    registered_beds=40,
                    created_at=now,
                )
            )
        s.add_all(sites)
        await s.flush()
        credentials = [new_token() for _ in range(tablets)]
        devices = []
        for i, credential in enumerate(credentials):
            site_id = sites[i // DEVICES_PER_SITE].id
            assert site_id is not None
            devices.append(
                Device(
                    site_id=site_id,
                    label=f"Bench tablet {i}",
                    credential_hash=token_hash(credential),
                    enrolled_at=now,
                    created_at=now,
                )
            )
        s.add_all(devices)
        await s.flush()
        world.nurses = users
        for device, credential in zip(devices, credentials, strict=True):
            assert device.id is not None
            world.tablets.append(Tablet(device.id, credential))
    return world
