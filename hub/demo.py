"""Demo data that looks real: a hub, its commissioners and sites, residents, staff, and a
year of call history in plausible proportions. Generated from a seed, in bulk, in seconds.

Every NHS number is in the synthetic 900-999 range, which is never issued to a patient.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import select

from hub.auth.passwords import hash_password_async
from hub.clock import Clock
from hub.demo_clinics import clinics
from hub.demo_goldline import gold_line_register
from hub.demo_history import call_history
from hub.demo_home import home_devices
from hub.demo_people import prison_numbers, residents, synthetic_nhs_numbers
from hub.settings import HubSettings
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.tables import Organisation, User
from schemas.codes import OrganisationKind, Role

HUB_ODS = "RAEHB"
DEMO_PASSWORD = "telehub-demo"
DEMO_PIN = "2468"

COMMISSIONERS = [("QWO", "NHS West Yorkshire ICB"), ("QOQ", "NHS Humber and North Yorkshire ICB")]

SITES: list[tuple[str, str, OrganisationKind, int | None, str]] = [
    ("VA1A1", "Ashgrove House", OrganisationKind.CARE_HOME_NURSING, 64, "QWO"),
    ("VA1B2", "Beech Lodge", OrganisationKind.CARE_HOME_RESIDENTIAL, 28, "QWO"),
    ("VA1C3", "Cliffe Court", OrganisationKind.CARE_HOME_NURSING, 48, "QWO"),
    ("VA1D4", "Dalesview", OrganisationKind.CARE_HOME_RESIDENTIAL, 22, "QWO"),
    ("VA1E5", "Elmfield Manor", OrganisationKind.CARE_HOME_NURSING, 80, "QWO"),
    ("VA1F6", "Fernbank", OrganisationKind.CARE_HOME_RESIDENTIAL, 35, "QWO"),
    ("VA2G7", "Glenholme", OrganisationKind.CARE_HOME_NURSING, 56, "QOQ"),
    ("VA2H8", "Heatherside", OrganisationKind.CARE_HOME_RESIDENTIAL, 18, "QOQ"),
    ("VA2J9", "Ivy Bank", OrganisationKind.CARE_HOME_RESIDENTIAL, 40, "QOQ"),
    ("VA2K1", "Juniper Hall", OrganisationKind.CARE_HOME_NURSING, 72, "QOQ"),
    ("VA2L2", "Kirkstall Rise", OrganisationKind.CARE_HOME_RESIDENTIAL, 30, "QOQ"),
    ("VA2M3", "Larchwood", OrganisationKind.CARE_HOME_NURSING, 44, "QOQ"),
    ("VA3N4", "Airedale own-home service", OrganisationKind.OWN_HOME, None, "QWO"),
    ("VA3P5", "Craven own-home service", OrganisationKind.OWN_HOME, None, "QOQ"),
    ("VA4Q6", "HMP Wealdale healthcare unit", OrganisationKind.PRISON, None, "QOQ"),
]


@dataclass
class DemoSummary:
    created: bool
    sites: int = 0
    people: int = 0
    calls: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    enrolments: list[tuple[str, str]] = field(default_factory=list)  # (device, code) at home

    def describe(self, settings: HubSettings) -> str:
        base = str(settings.public_base_url).rstrip("/")
        head = (
            f"Demo data loaded: {self.sites} sites, {self.people} residents, {self.calls} calls."
            if self.created
            else "Demo data already present; nothing changed."
        )
        lines = [head, f"Open {base}/login and sign in with password '{DEMO_PASSWORD}' as:"]
        lines += [f"  {username:<22} {what}" for username, what in DEMO_LOGINS]
        if self.enrolments:
            lines.append(f"Devices at home (one person each): open {base}/enrol and type")
            lines += [f"  {code:<22} {label}" for label, code in self.enrolments]
        return "\n".join(lines)


DEMO_LOGINS = [
    ("nurse.amy", "hub nurse (triage console)"),
    ("nurse.ben", "hub nurse (triage console)"),
    ("dr.patel", "specialist (geriatrician)"),
    ("admin", "hub administrator"),
    ("staff.ashgrove", f"care-home staff, Ashgrove House (PIN {DEMO_PIN} on an enrolled tablet)"),
    ("staff.beech", "care-home staff, Beech Lodge"),
    ("staff.wealdale", "prison healthcare staff, HMP Wealdale (clinic list, messages)"),
    ("commissioner.qwo", "commissioner, NHS West Yorkshire ICB"),
    ("commissioner.qoq", "commissioner, NHS Humber and North Yorkshire ICB"),
]


async def load_demo(
    db: Database, clock: Clock, *, seed: int = 2026, months: int = 12
) -> DemoSummary:
    async with db.session() as s:
        if (await s.exec(select(Organisation).where(Organisation.ods_code == HUB_ODS))).first():
            return DemoSummary(created=False)
    rng = random.Random(seed)
    now = clock.now()
    password_hash = await hash_password_async(DEMO_PASSWORD)
    pin_hash = await hash_password_async(DEMO_PIN)
    async with db.session() as s:
        hub = rows.hub(HUB_ODS, "Airedale Telehealth Hub", at=now)
        s.add(hub)
        commissioners: dict[str, Organisation] = {}
        for ods, name in COMMISSIONERS:
            commissioners[ods] = rows.commissioner(ods, name, at=now)
            s.add(commissioners[ods])
        await s.flush()
        sites: list[Organisation] = []
        for ods, name, kind, beds, commissioner in SITES:
            go_live = (now - timedelta(days=rng.randint(200, 900))).date()
            site = rows.site(
                ods,
                name,
                commissioner=commissioners[commissioner],
                kind=kind,
                beds=beds,
                go_live=go_live,
                at=now,
            )
            s.add(site)
            sites.append(site)
        await s.flush()

        people = residents(rng, sites, now)
        prison_numbers(sites, people)
        s.add_all(people)
        await s.flush()
        devices = home_devices(sites, people, now)
        s.add_all(gold_line_register(sites, people, now))
        s.add_all([device for device, _ in devices])
        enrolments = [(device.label, code) for device, code in devices]

        users = _users(hub, commissioners, sites, password_hash, now)
        for staff in users:
            if staff.username == "staff.ashgrove":  # signs Ashgrove's tablet calls with a PIN
                staff.pin_hash = pin_hash
        s.add_all(users)
        await s.flush()
        nurses = [u for u in users if u.role == Role.HUB_NURSE.value]
        specialist = next(u for u in users if u.role == Role.SPECIALIST.value)
        calls = await call_history(s, rng, sites, people, nurses, specialist, now, months)
        await clinics(s, sites, people, specialist, now)
    return DemoSummary(
        created=True,
        sites=len(sites),
        people=len(people),
        calls=calls,
        logins=DEMO_LOGINS,
        enrolments=enrolments,
    )


def _users(
    hub: Organisation,
    commissioners: dict[str, Organisation],
    sites: Sequence[Organisation],
    password_hash: str,
    now: datetime,
) -> list[User]:
    def user(
        username: str, name: str, role: Role, org: Organisation, specialty: str | None = None
    ) -> User:
        return rows.staff(
            username, name, role, org, specialty=specialty, password_hash=password_hash, at=now
        )

    qwo, qoq = commissioners["QWO"], commissioners["QOQ"]
    return [
        user("nurse.amy", "Amy Hartley RN", Role.HUB_NURSE, hub),
        user("nurse.ben", "Ben Okafor RN", Role.HUB_NURSE, hub),
        user("dr.patel", "Dr Priya Patel", Role.SPECIALIST, hub, "Geriatric medicine"),
        user("admin", "Hub Administrator", Role.HUB_ADMIN, hub),
        user("staff.ashgrove", "Sam Lister", Role.CARE_HOME_STAFF, sites[0]),
        user("staff.beech", "Jo Fairburn", Role.CARE_HOME_STAFF, sites[1]),
        *[
            user("staff.wealdale", "Chris Moss RN", Role.PRISON_STAFF, site)
            for site in sites
            if site.kind == OrganisationKind.PRISON
        ],
        user("commissioner.qwo", "West Yorkshire commissioning", Role.COMMISSIONER, qwo),
        user("commissioner.qoq", "Humber commissioning", Role.COMMISSIONER, qoq),
    ]


__all__ = ["DEMO_PASSWORD", "DemoSummary", "load_demo", "synthetic_nhs_numbers"]
