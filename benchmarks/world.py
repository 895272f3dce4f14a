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
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from hub.storage.tables import User
from schemas.codes import Role

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
        hub = rows.hub("BHUB", "Bench Hub", at=now)
        commissioner = rows.commissioner("BQ1", "Bench Commissioner", at=now)
        s.add_all([hub, commissioner])
        await s.flush()
        users = [
            rows.staff(
                f"bench.nurse.{i}",
                f"Bench Nurse {i}",
                Role.HUB_NURSE,
                hub,
                password_hash=password_hash,
                at=now,
            )
            for i in range(nurses)
        ]
        s.add_all(users)
        sites = [
            rows.site(f"BH{n:04d}", f"Bench Home {n}", commissioner=commissioner, at=now)
            for n in range((tablets + DEVICES_PER_SITE - 1) // DEVICES_PER_SITE)
        ]
        s.add_all(sites)
        await s.flush()
        credentials = [new_token() for _ in range(tablets)]
        devices = [
            rows.tablet(
                sites[i // DEVICES_PER_SITE],
                f"Bench tablet {i}",
                credential_hash=token_hash(credential),
                at=now,
            )
            for i, credential in enumerate(credentials)
        ]
        s.add_all(devices)
        await s.flush()
        world.nurses = users
        for device, credential in zip(devices, credentials, strict=True):
            assert device.id is not None
            world.tablets.append(Tablet(device.id, credential))
    return world
