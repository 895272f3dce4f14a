"""Migrations and repositories, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, func, select

from hub.clock import SystemClock
from hub.errors import Forbidden, InvalidInput, NotFound
from hub.storage.engine import Database
from hub.storage.migrate import current_revision, head_revision, upgrade
from hub.storage.repos.identities import SessionRepo
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Person, Ticket
from schemas.api import PersonCreate
from schemas.codes import Role
from support.world import NOW, World

clock = SystemClock()


async def test_migrations_reach_head_and_match_the_tables(db: Database) -> None:
    assert await current_revision(db) == head_revision()
    await upgrade(db)  # a second upgrade is a no-op
    assert await current_revision(db) == head_revision()

    def drift(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(drift)
    assert differences == [], "tables and migrations disagree: write a migration"


def _scope_of(world: World, home: str) -> Scope:
    h = world.home_a if home == "a" else world.home_b
    assert h.site.id is not None
    return Scope(role=Role.CARE_HOME_STAFF, organisation_id=h.site.id, user_id=h.staff.id)


async def test_a_home_reads_its_own_residents_and_never_another_homes(
    db: Database, world: World
) -> None:
    scope_a = _scope_of(world, "a")
    async with db.session() as s:
        repo = PersonRepo(s, clock)
        assert world.home_a.resident.id is not None and world.home_b.resident.id is not None
        own = await repo.get(scope_a, person_id=world.home_a.resident.id)
        assert own.family_name == "ResidentA"
        with pytest.raises(NotFound):
            await repo.get(scope_a, person_id=world.home_b.resident.id)
        found = await repo.search(scope_a, text="resident")
        assert [p.family_name for p in found] == ["ResidentA"]


async def test_a_commissioner_reads_no_clinical_record(db: Database, world: World) -> None:
    scope = Scope(
        role=Role.COMMISSIONER,
        organisation_id=world.commissioner_a.id or 0,
        user_id=world.commissioner_user_a.id,
    )
    async with db.session() as s:
        with pytest.raises(Forbidden):
            await PersonRepo(s, clock).get(scope, person_id=world.home_a.resident.id or 0)


async def test_a_duplicate_nhs_number_is_refused_and_changes_nothing(
    db: Database, world: World
) -> None:
    scope_a = _scope_of(world, "a")
    body = PersonCreate(
        nhs_number=world.home_a.resident.nhs_number,
        given_name="Dup",
        family_name="Licate",
        date_of_birth=NOW.date(),
        site_id=scope_a.organisation_id,
    )
    with pytest.raises(InvalidInput) as caught:
        async with db.session() as s:
            await PersonRepo(s, clock).create(scope_a, body)
    assert caught.value.field == "nhs_number"
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Person))).one() == 2


async def test_a_ticket_is_used_once_even_when_two_sockets_race(db: Database, world: World) -> None:
    from datetime import timedelta

    from hub.auth.tokens import new_token, token_hash

    token = new_token()
    async with db.session() as s:
        await SessionRepo(s, clock).issue_ticket(
            Ticket(
                token_hash=token_hash(token),
                user_id=world.nurse.id,
                expires_at=clock.now() + timedelta(seconds=30),
            )
        )

    async def redeem() -> bool:
        async with db.session() as s:
            return (
                await SessionRepo(s, clock).consume_ticket(token_hash=token_hash(token)) is not None
            )

    results = await asyncio.gather(*(redeem() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
