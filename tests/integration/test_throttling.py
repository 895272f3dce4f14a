"""Guesses are throttled: passwords per account and per address, device sign-in, enrolment
codes and websocket credentials; 429 with Retry-After, audited, logged without usernames,
never reaching argon2 once throttled, and shared by every hub process through Redis."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlmodel import select

from hub.app import create_app
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.tables import AuditEvent
from support.hub import HubServer, running_hub
from support.sessions import hubs_on_one_redis
from support.world import NOW, PASSWORD, World
from telehub_client import CommandFailed, HubConnection


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the hub runs (a spy on the library, which still runs)."""
    checks: list[str] = []
    real = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        checks.append("verify")
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return checks


async def _client(settings: HubSettings, **rates: Any) -> TestClient:
    client = TestClient(HubServer(create_app(settings.model_copy(update=rates))))
    await client.start_server()
    return client


@pytest.fixture
async def strict(settings: HubSettings, world: World) -> AsyncIterator[TestClient]:
    client = await _client(
        settings,
        rate_sign_in_account="5/minute",
        rate_sign_in_address="8/minute",
        rate_device_sign_in="3/minute",
        rate_enrolment="3/hour",
        trusted_proxies=["127.0.0.1"],
    )
    try:
        yield client
    finally:
        await client.close()


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_parallel_wrong_passwords_are_throttled_before_argon2(
    strict: TestClient,
    world: World,
    db: Database,
    argon2_checks: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    username = world.nurse.username

    async def guess(n: int) -> Any:
        return await strict.post(
            "/api/auth/login",
            json={"username": username, "password": f"wrong {n}"},
            headers=_from(f"10.0.0.{n}"),  # sixty addresses: the account limit holds
        )

    answers = await asyncio.gather(*(guess(n) for n in range(60)))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(401) == 5 and statuses.count(429) == 55
    assert len(argon2_checks) == 5  # a throttled attempt never reaches argon2
    throttled = next(a for a in answers if a.status == 429)
    assert int(throttled.headers["Retry-After"]) >= 1
    assert (await throttled.json())["code"] == "rate_limited"

    right = await strict.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert right.status == 429, "the right password waits its turn too"
    assert len(argon2_checks) == 5

    async with db.session() as s:
        audited = (await s.exec(select(AuditEvent).where(AuditEvent.outcome == "throttled"))).all()
    assert len(audited) == 56 and {e.action for e in audited} == {"sign_in"}
    assert any(r.message.startswith("throttled sign_in") for r in caplog.records)
    assert not any(username in r.getMessage() for r in caplog.records)


async def test_one_address_trying_many_accounts_is_throttled(
    strict: TestClient, world: World
) -> None:
    names = [world.nurse, world.specialist, world.admin, world.home_a.staff]
    statuses = []
    for n in range(10):
        answer = await strict.post(
            "/api/auth/login",
            json={"username": names[n % 4].username, "password": "wrong"},
            headers=_from("192.0.2.7"),
        )
        statuses.append(answer.status)
    assert statuses == [401] * 8 + [429] * 2
    elsewhere = await strict.post(
        "/api/auth/login",
        json={"username": world.nurse.username, "password": PASSWORD},
        headers=_from("198.51.100.1"),
    )
    assert elsewhere.status == 200


async def test_an_untrusted_peer_cannot_pick_its_address(
    settings: HubSettings, world: World
) -> None:
    client = await _client(settings, rate_sign_in_address="3/minute")  # no trusted proxy
    try:
        statuses = [
            (
                await client.post(
                    "/api/auth/login",
                    json={"username": f"nobody{n}", "password": "wrong"},
                    headers=_from(f"10.9.9.{n}"),
                )
            ).status
            for n in range(4)
        ]
    finally:
        await client.close()
    assert statuses == [401, 401, 401, 429]


async def test_enrolment_codes_and_device_credentials_are_throttled(
    strict: TestClient, argon2_checks: list[str]
) -> None:
    codes = [
        (await strict.post("/api/devices/enrol", json={"enrolment_code": f"WRONG-CODE-{n}"})).status
        for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    signins = [
        (await strict.post("/api/devices/signin", json={"credential": f"guess-{n}" * 4})).status
        for n in range(4)
    ]
    assert signins == [401, 401, 401, 429]


async def test_websocket_credentials_are_throttled(
    settings: HubSettings, world: World, db: Database
) -> None:
    async with running_hub(
        settings.model_copy(update={"rate_ws_credential": "2/minute"}), world, NOW
    ) as hub:

        async def auth() -> dict[str, str]:
            return {"type": "auth", "credential": "not-a-real-credential-at-all"}

        codes = []
        for _ in range(3):
            with pytest.raises(CommandFailed) as refused:
                await HubConnection.open(hub.url, auth)
            codes.append(refused.value.code)
    assert codes == ["unauthorised", "unauthorised", "rate_limited"]
    async with db.session() as s:  # every refusal audited: two unknown, one throttled
        rows = (await s.exec(select(AuditEvent).where(AuditEvent.actor == "anonymous"))).all()
    assert sorted((r.action, r.outcome) for r in rows) == [
        ("device_sign_in", "refused"),
        ("device_sign_in", "refused"),
        ("ws_credential", "throttled"),
    ]


@pytest.mark.redis
async def test_limits_are_shared_by_every_hub_process(settings: HubSettings, world: World) -> None:
    async with hubs_on_one_redis(settings, rate_sign_in_account="4/minute") as servers:
        clients = [TestClient(server) for server in servers]
        statuses = []
        for n in range(6):
            client = clients[n % 2]
            answer = await client.post(
                "/api/auth/login", json={"username": world.nurse.username, "password": "wrong"}
            )
            statuses.append(answer.status)
        for client in clients:
            await client.session.close()
    assert statuses == [401, 401, 401, 401, 429, 429]
