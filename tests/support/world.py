"""A small world for tests: the hub, two commissioners, care homes A and B (one each),
a user of every role, a resident, a call and a message in each home."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from aiohttp.test_utils import TestClient

from hub.auth.passwords import hash_password
from hub.clock import FakeClock, london_month
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo
from hub.storage.tables import Call, CallEvent, Message, Organisation, Person, User
from schemas.codes import CallState, Channel, HomeIntent, OrganisationKind, Reason, Role

PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@dataclass
class Home:
    site: Organisation
    staff: User
    resident: Person
    call: Call
    message: Message


@dataclass
class World:
    hub: Organisation
    commissioner_a: Organisation
    commissioner_b: Organisation
    home_a: Home
    home_b: Home
    nurse: User
    specialist: User
    admin: User
    commissioner_user_a: User

    def username(self, role: Role) -> str:
        return {
            Role.HUB_NURSE: self.nurse.username,
            Role.SPECIALIST: self.specialist.username,
            Role.HUB_ADMIN: self.admin.username,
            Role.COMMISSIONER: self.commissioner_user_a.username,
            Role.CARE_HOME_STAFF: self.home_a.staff.username,
        }[role]


async def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    like_the_hubs_pages(client)


PRISONER_NHS_NUMBER = "9434765889"


async def add_prison(db: Database, world: World) -> tuple[Organisation, Person]:
    """A prison healthcare unit, VPRIS "HMP Test", commissioned by commissioner A, with one
    prisoner (Jonah Prisoner), for the booked-clinic tests."""
    async with db.session() as s:
        site = rows.site(
            "VPRIS", "HMP Test", commissioner=world.commissioner_a, kind=OrganisationKind.PRISON,
            at=NOW,
        )  # fmt: skip
        s.add(site)
        await s.flush()
        prisoner = rows.resident(
            site, nhs_number=PRISONER_NHS_NUMBER, given_name="Jonah", family_name="Prisoner",
            date_of_birth=date(1980, 5, 6), at=NOW,
        )  # fmt: skip
        s.add(prisoner)
        await s.flush()
    return site, prisoner


def like_the_hubs_pages(client: TestClient) -> None:
    """From now on send what the hub's own pages send with every write: their Origin and
    the session's CSRF token (from the cookie the hub set at sign-in)."""
    home = client.make_url("/")
    client.session.headers["Origin"] = f"{home.scheme}://{home.authority}"
    token = client.session.cookie_jar.filter_cookies(home).get("telehub_csrf")
    if token is not None:
        client.session.headers["X-CSRF-Token"] = token.value


def _user(username: str, role: Role, org: Organisation) -> User:
    return rows.staff(username, username.title(), role, org, password_hash=_HASH, at=NOW)


async def build_world(db: Database) -> World:
    async with db.session() as s:
        hub = rows.hub("HUB01", "Test Hub", at=NOW)
        ca = rows.commissioner("QAA", "Commissioner A", at=NOW)
        cb = rows.commissioner("QBB", "Commissioner B", at=NOW)
        s.add_all([hub, ca, cb])
        await s.flush()
        homes = []
        for letter, commissioner, nhs in (("A", ca, "9434765919"), ("B", cb, "9434765870")):
            site = rows.site(
                f"VHOM{letter}",
                f"Home {letter}",
                commissioner=commissioner,
                go_live=date(2025, 1, 1),
                at=NOW,
            )
            s.add(site)
            await s.flush()
            assert site.id is not None
            staff = _user(f"staff.{letter.lower()}", Role.CARE_HOME_STAFF, site)
            resident = rows.resident(
                site,
                nhs_number=nhs,
                given_name="Edith",
                family_name=f"Resident{letter}",
                date_of_birth=date(1935, 3, 4),
                allergies="Penicillin",
                at=NOW,
            )
            s.add_all([staff, resident])
            await s.flush()
            call = Call(
                id=str(uuid.uuid4()),
                site_id=site.id,
                person_id=resident.id,
                channel=Channel.CARE_HOME.value,
                reason=Reason.FALL_NO_INJURY.value,
                home_intent=HomeIntent.GP_URGENT.value,
                state=CallState.CLOSED.value,
                started_at=NOW,
                local_month=london_month(NOW),
                concern="secret concern",
            )
            await CallRepo(s, FakeClock(NOW)).add(call)  # counted for the reports, as live
            s.add(CallEvent(call_id=call.id, at=NOW, kind="state", to_state="requested"))
            message = Message(
                site_id=site.id,
                sender_key=f"user:{staff.id}",
                sender_name=staff.display_name,
                client_message_id="m1",
                site_seq=1,
                hub_seq=1 if letter == "A" else 2,
                body=f"hello from home {letter}",
                created_at=NOW,
            )
            s.add(message)
            await s.flush()
            homes.append(Home(site, staff, resident, call, message))
        nurse = _user("nurse.one", Role.HUB_NURSE, hub)
        specialist = _user("dr.one", Role.SPECIALIST, hub)
        admin = _user("admin.one", Role.HUB_ADMIN, hub)
        commissioner_user = _user("comm.a", Role.COMMISSIONER, ca)
        s.add_all([nurse, specialist, admin, commissioner_user])
        s.add(rows.tablet(homes[1].site, "B tablet", at=NOW))
        await s.flush()
    return World(hub, ca, cb, homes[0], homes[1], nurse, specialist, admin, commissioner_user)
