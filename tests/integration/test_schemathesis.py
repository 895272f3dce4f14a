"""schemathesis against a real ``telehub serve`` on a free port, signed in as each role and
as an enrolled tablet (and once signed out), with schemathesis's default checks: no server
error and no answer outside the documented schema.

Bounded to a few examples per operation and phase, with a fixed seed, so a run takes a
minute or so per caller on a shared machine; ``HUB_FUZZ_EXAMPLES`` raises the number for
a longer run by hand (docs/api.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from hub.auth.service import IdentityService
from hub.clock import SystemClock
from hub.http.csrf import csrf_token
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.migrate import upgrade
from hub.storage.scope import SYSTEM
from schemas.api import UserCreate
from schemas.codes import Role
from support.faults import HubProcess
from support.world import PASSWORD, World, build_world

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = os.environ.get("HUB_FUZZ_EXAMPLES", "5")
LEAD = "lead.fuzz"
# Prison staff are site staff with the same routes as care-home staff (the world has no
# prison; tests/integration/test_prison.py walks every route as them).
CALLERS = [r.value for r in Role if r is not Role.PRISON_STAFF] + ["device", "anonymous"]
MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
# The coverage phase (boundary values, missing and wrong-typed fields, an undeclared method)
# for the callers who reach the most handlers; the others are fuzzed.
COVERAGE_FOR = {"hub_nurse", "hub_admin", "care_home_staff", "anonymous"}


@dataclass
class Hub:
    url: str
    world: World


async def _prepare(settings: HubSettings) -> World:
    db = Database.from_settings(settings)
    try:
        await upgrade(db)
        world = await build_world(db)
        lead = UserCreate(
            username=LEAD,
            display_name="Lead",
            role=Role.CLINICAL_LEAD,
            organisation_ods=world.hub.ods_code,
            password=PASSWORD,
        )
        await IdentityService(db, SystemClock(), settings).add_user(SYSTEM, lead)
        return world
    finally:
        await db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hub(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hub]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = HubSettings(
        environment="test", database_url=f"sqlite+aiosqlite:///{folder}/hub.sqlite3"
    )
    world = await _prepare(settings)
    process = HubProcess(settings, folder, "fuzzed")
    process.env["HUB_PUBLIC_BASE_URL"] = process.base
    # The fuzzer signs in and tries codes thousands of times from one address: rate limits
    # would answer it 429 (documented) and then refuse the next role's sign-in.
    for limit in (
        "SIGN_IN_ACCOUNT",
        "SIGN_IN_ADDRESS",
        "DEVICE_SIGN_IN",
        "ENROLMENT",
        "WS_CREDENTIAL",
        "REGISTRATION",
    ):
        process.env[f"HUB_RATE_{limit}"] = "1000000/minute"
    await process.start()
    try:
        yield Hub(process.base, world)
    finally:
        process.terminate()
        await process.exited(30)


async def _post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], cookie: str | None = None
) -> tuple[dict[str, Any], str]:
    origin = str(URL(url).origin())
    headers = {"Origin": origin}
    if cookie:  # a signed-in write carries the session's CSRF token, as the pages' do
        headers |= {"Cookie": f"telehub_session={cookie}", "X-CSRF-Token": csrf_token(cookie)}
    async with http.post(url, json=body, headers=headers) as response:
        assert response.status < 300, await response.text()
        session = response.cookies.get("telehub_session")
        return await response.json(), session.value if session else ""


async def _session(hub: Hub, who: str) -> str | None:
    """A session cookie for ``who``, signed in through the API itself."""
    if who == "anonymous":
        return None
    async with aiohttp.ClientSession() as http:
        if who == "device":
            admin = {"username": hub.world.admin.username, "password": PASSWORD}
            _, cookie = await _post(http, f"{hub.url}/api/auth/login", admin)
            site = {"site_ods": hub.world.home_a.site.ods_code, "label": "Fuzz"}
            code, _ = await _post(http, f"{hub.url}/api/devices", site, cookie)
            enrolment = {"enrolment_code": code["enrolment_code"]}
            enrolled, _ = await _post(http, f"{hub.url}/api/devices/enrol", enrolment)
            credential = {"credential": enrolled["credential"]}
            _, token = await _post(http, f"{hub.url}/api/devices/signin", credential)
            return token
        username = LEAD if who == Role.CLINICAL_LEAD else hub.world.username(Role(who))
        login = {"username": username, "password": PASSWORD}
        _, token = await _post(http, f"{hub.url}/api/auth/login", login)
        return token


async def _config(hub: Hub, token: str | None, folder: Path) -> Path:
    """schemathesis.toml: the session as the description's cookie scheme, and a 422 allowed
    to a well-formed request where the description's x-rules says the hub checks more."""
    async with aiohttp.ClientSession() as http, http.get(f"{hub.url}/api/openapi.json") as r:
        doc = await r.json()
    # One undeclared method per path is enough to check the 405 and its Allow header.
    lines = ["[phases.coverage]", 'unexpected-methods = ["TRACE"]', ""]
    if token is not None:
        lines += ["[auth.openapi.session]", f'api_key = "{token}"', ""]
    accepted = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", "422"]
    for methods in doc["paths"].values():
        for op in methods.values():
            if op.get("x-rules"):
                lines += [
                    "[[operations]]",
                    f'include-operation-id = "{op["operationId"]}"',
                    f"checks.positive_data_acceptance.expected-statuses = {json.dumps(accepted)}",
                    "",
                ]
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines))
    return path


@MODULE_LOOP
@pytest.mark.parametrize("who", CALLERS)
async def test_schemathesis_finds_no_fault(hub: Hub, who: str, tmp_path: Path) -> None:
    token = await _session(hub, who)
    args = [
        "--config-file",
        str(await _config(hub, token, tmp_path)),
        "run",
        f"{hub.url}/api/openapi.json",
        "--max-examples",
        EXAMPLES,
        "--seed",
        "15",
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing" if who in COVERAGE_FOR else "examples,fuzzing",
        "--suppress-health-check",
        "all",
        "--header",
        f"Origin: {hub.url}",
    ]
    if token is not None:
        # Signing out would end the session the rest of the run is testing with.
        args += ["--exclude-path", "/api/auth/logout"]
        args += ["--header", f"X-CSRF-Token: {csrf_token(token)}"]
    run = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        *args,
        cwd=tmp_path,  # its cache goes there, not into the work tree
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(run.communicate(), 900)
    assert run.returncode == 0, f"schemathesis as {who} found faults:\n{out.decode()[-20000:]}"
