"""What the scope walks share: every route the app registers, a real photo to upload, an
error frame's code as the HTTP status of the same error, and the access-control matrix's
callers and targets (tests/integration/test_access_matrix_*.py)."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image

from hub.auth.service import user_principal
from hub.errors import HubError
from hub.services import SERVICES
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.scope import SYSTEM
from hub.storage.tables import ClinicSession, ClinicSlot, FollowUpTask, User
from schemas.api import DeviceCreate, UserCreate
from schemas.codes import Role

from .world import PASSWORD, Home, World


def app_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, canonical path) of every route but HEAD, wildcards and static files."""
    found = []
    for route in app.router.routes():
        if route.method in ("HEAD", "*") or isinstance(route.resource, web.StaticResource):
            continue
        assert route.resource is not None
        found.append((route.method, route.resource.canonical))
    return found


def _png() -> bytes:
    """A real 1x1 PNG: the hub decodes and re-encodes every photo."""
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 90, 180, 255)).save(out, "PNG")
    return out.getvalue()


PNG = _png()

# An error frame's code as the HTTP status the same error has over REST, so the two tables
# read alike (invalid_state and conflict are both 409).
STATUS_OF = {cls.code.value: str(cls.status) for cls in HubError.__subclasses__()}


def unthrottled(settings: HubSettings) -> HubSettings:
    """These settings with every sign-in and registration limit lifted: for tests that sign in
    dozens of times from one address and check something else (the limits themselves are
    tests/integration/test_throttling.py's)."""
    limits = [name for name in HubSettings.model_fields if name.startswith("rate_")]
    return settings.model_copy(update=dict.fromkeys(limits, "100000/minute"))


def home_b_markers(world: World) -> list[str]:
    """What of home B's records must never show in an answer to someone of home A."""
    b = world.home_b
    return [
        b.resident.family_name,
        b.resident.nhs_number,
        b.call.id,
        b.message.body,
        b.site.ods_code,
    ]


@dataclass
class Target:
    """What a request aims at: one care home's records."""

    home: Home
    commissioner_ods: str
    device_id: int
    task_id: int
    photo_id: int
    user_id: int  # a member of the home's staff who is there to be disabled
    appointment_id: int = 0  # a booked appointment of the home's resident (made per request)
    clinic_id: int = 0  # the world specialist's clinic
    register_version: int = 0  # the resident's current palliative register version


@dataclass
class Matrix:
    world: World
    lead: User
    own: Target
    other: Target
    sessions: dict[str, str]  # caller -> session cookie
    credential: str  # the home A tablet's
    db: Database
    clinic_id: int = 0  # a clinic of the world's specialist
    free_slots: list[int] = field(default_factory=list)  # its slots still to come, unbooked
    serial: itertools.count[int] = field(default_factory=itertools.count)


async def build_matrix(client: TestClient, world: World, db: Database) -> Matrix:
    """Both homes' targets, a clinical lead, a session for every kind of caller and a clinic
    with free slots to book."""
    app = client.server.app
    identity = app[SERVICES].identity
    lead = await identity.add_user(
        SYSTEM,
        UserCreate(
            username="lead.one",
            display_name="Lead One",
            role=Role.CLINICAL_LEAD,
            organisation_ods=world.hub.ods_code,
            password=PASSWORD,
        ),
    )
    targets = []
    homes = ((world.home_a, world.commissioner_a), (world.home_b, world.commissioner_b))
    for home, commissioner in homes:
        device, _, _ = await identity.create_enrolment(
            SYSTEM, DeviceCreate(site_ods=home.site.ods_code, label="To revoke")
        )
        async with db.session() as s:
            task = FollowUpTask(call_id=home.call.id, due_at=home.call.started_at)
            s.add(task)
            await s.flush()
            task_id = task.id or 0
        photo_id = await app[SERVICES].messages.add_photo(
            user_principal(home.staff), "image/png", PNG, quota=1024 * 1024
        )
        leaver = await identity.add_user(
            SYSTEM,
            UserCreate(
                username=f"leaver.{home.site.ods_code.lower()}",
                display_name="To disable",
                role=Role.CARE_HOME_STAFF,
                organisation_ods=home.site.ods_code,
                password=PASSWORD,
            ),
        )
        assert leaver.id is not None
        targets.append(
            Target(home, commissioner.ods_code, device.id or 0, task_id, photo_id, leaver.id)
        )
    _, _, code = await identity.create_enrolment(
        SYSTEM, DeviceCreate(site_ods=world.home_a.site.ods_code, label="Matrix tablet")
    )
    _, credential = await identity.enrol(code)
    sessions = {}
    users = {
        "hub_nurse": world.nurse,
        "specialist": world.specialist,
        "clinical_lead": lead,
        "hub_admin": world.admin,
        "commissioner": world.commissioner_user_a,
        "care_home_staff": world.home_a.staff,
    }
    for caller, user in users.items():
        _, sessions[caller] = await identity.sign_in(user.username, PASSWORD)
    _, sessions["device"] = await identity.device_sign_in(credential)
    m = Matrix(world, lead, targets[0], targets[1], sessions, credential, db)
    async with db.session() as s:
        clinic = ClinicSession(
            specialty="Dermatology",
            clinician_id=world.specialist.id or 0,
            day=date.today(),
            created_by="cli",
            created_at=datetime.now(UTC),
        )
        s.add(clinic)
        await s.flush()
        m.clinic_id = clinic.id or 0
        future = datetime.now(UTC) + timedelta(days=30)
        slots = [
            ClinicSlot(
                clinic_id=m.clinic_id,
                starts_at=future + timedelta(minutes=15 * i),
                ends_at=future + timedelta(minutes=15 * (i + 1)),
            )
            for i in range(64)
        ]
        s.add_all(slots)
        await s.flush()
        m.free_slots = [x.id or 0 for x in slots]
        m.own.clinic_id = m.other.clinic_id = m.clinic_id
    return m


def matrix_cell(own: str, other: str) -> str:
    return own if own == other else f"{own}/{other}"


def on_sqlite_only(backend: str) -> None:
    """The matrix makes about a thousand requests: on SQLite only, to keep the suite short.
    The scope rules it checks are in the storage layer's queries, which the PostgreSQL runs
    of test_scope_every_route.py and of the storage suite cover."""
    if backend != "sqlite":
        pytest.skip("the access matrix runs on SQLite")
