"""The palliative register over REST: a nurse's change is a new version (the old one stays,
readable), a stale change is refused, every read and change is audited, and only the hub
reads it (a care home's staff and a commissioner are refused). A death is recorded once, and
corrected only as a new version with a reason (the old one kept, the current one read)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from hub.clock import SystemClock
from hub.storage.engine import Database
from hub.storage.repos.palliative import PalliativeRepo
from hub.storage.scope import Scope
from hub.storage.tables import AuditEvent, Death, PalliativeEntry
from schemas.codes import Role
from support.world import World, sign_in

FIRST = {
    "preferred_place_of_care": "home",
    "preferred_place_of_death": "home",
    "respect_status": "dnacpr",
    "respect_date": "2026-09-01",
    "anticipatory_medicines": "yes",
    "anticipatory_medicines_date": "2026-09-03",
    "district_nurse_team": "Keighley North DN team 01535 000000",
    "gp_practice": "Holycroft Surgery",
    "hospice": "Manorlands",
    "lpa_health": "yes",
    "joined_on": "2026-09-01",
    "base_version": 0,
}


async def _audit(db: Database, person_id: int, *, register: bool = True) -> Sequence[AuditEvent]:
    async with db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.person_id == person_id)
        if register:
            stmt = stmt.where(col(AuditEvent.target_type) == "palliative_register")
        return (await s.exec(stmt.order_by(col(AuditEvent.id)))).all()


async def _nurse_and_entry(client: TestClient, world: World) -> int:
    """A nurse signed in, and Home A's resident put on the register; the resident's id."""
    person_id = world.home_a.resident.id or 0
    await sign_in(client, world.nurse.username)
    assert (await client.post(f"/api/residents/{person_id}/palliative", json=FIRST)).status == 201
    return person_id


async def test_a_change_is_a_new_version_and_the_old_one_stays_readable(
    client: TestClient, world: World, db: Database
) -> None:
    person_id = world.home_a.resident.id or 0
    url = f"/api/residents/{person_id}/palliative"
    await sign_in(client, world.nurse.username)

    empty = await client.get(url)
    assert empty.status == 200
    assert (await empty.json())["current"] is None

    first = await client.post(url, json=FIRST)
    assert first.status == 201, await first.text()
    moved = {**FIRST, "preferred_place_of_death": "hospice", "base_version": 1}
    second = await client.post(url, json=moved)
    assert second.status == 201, await second.text()
    record = await second.json()
    assert record["current"]["version"] == 2
    assert record["current"]["preferred_place_of_death"] == "hospice"
    assert [v["preferred_place_of_death"] for v in record["history"]] == ["hospice", "home"]
    assert record["current"]["recorded_by_name"] == world.nurse.display_name

    # A change made on version 1, after version 2 was written, is refused and writes nothing.
    stale = await client.post(url, json={**moved, "preferred_place_of_death": "hospital"})
    assert stale.status == 409
    async with db.session() as s:
        stored = (
            await s.exec(select(PalliativeEntry).where(PalliativeEntry.person_id == person_id))
        ).all()
    assert sorted((e.version, e.preferred_place_of_death) for e in stored) == [
        (1, "home"),
        (2, "hospice"),
    ]

    actions = [(e.action, e.outcome) for e in await _audit(db, person_id)]
    assert actions.count(("palliative_register_change", "ok")) == 2
    assert ("read", "ok") in actions
    for event in await _audit(db, person_id):
        assert "Holycroft" not in str(event.detail), "the audit trail holds ids, not contents"


async def test_only_the_hub_reads_the_register_and_only_nurses_and_leads_change_it(
    client: TestClient, world: World, db: Database
) -> None:
    person_id = world.home_a.resident.id or 0
    url = f"/api/residents/{person_id}/palliative"
    await sign_in(client, world.home_a.staff.username)
    assert (await client.get(url)).status == 403
    await sign_in(client, world.commissioner_user_a.username)
    assert (await client.get(url)).status == 403
    await sign_in(client, world.specialist.username)
    assert (await client.get(url)).status == 200
    assert (await client.post(url, json=FIRST)).status == 403
    refused = [e for e in await _audit(db, person_id, register=False) if e.action == "refused"]
    assert len(refused) == 3, "each refusal of a person's register is in the audit trail"
    assert all("palliative" in str(e.detail) for e in refused)


async def test_a_future_date_and_a_bad_code_are_refused(client: TestClient, world: World) -> None:
    url = f"/api/residents/{world.home_a.resident.id}/palliative"
    await sign_in(client, world.nurse.username)
    assert (await client.post(url, json={**FIRST, "joined_on": "2099-01-01"})).status == 422
    bad = await client.post(url, json={**FIRST, "preferred_place_of_death": "garden"})
    assert bad.status == 422


async def test_a_death_is_recorded_once_against_the_register(
    client: TestClient, world: World, db: Database
) -> None:
    person_id = await _nurse_and_entry(client, world)
    url = f"/api/residents/{person_id}/death"
    recorded = await client.post(url, json={"died_on": "2026-10-20", "place": "hospice"})
    assert recorded.status == 201, await recorded.text()
    death = (await recorded.json())["death"]
    assert (death["died_on"], death["place"]) == ("2026-10-20", "hospice")
    again = await client.post(url, json={"died_on": "2026-10-21", "place": "home"})
    assert again.status == 409
    read = await client.get(f"/api/residents/{person_id}/palliative")
    assert (await read.json())["death"]["place"] == "hospice"
    assert ("death_record", "ok") in [(e.action, e.outcome) for e in await _audit(db, person_id)]


async def test_a_day_of_death_in_the_future_is_refused_recorded_or_corrected(
    client: TestClient, world: World, db: Database
) -> None:
    person_id = await _nurse_and_entry(client, world)
    url = f"/api/residents/{person_id}/death"
    future = {"died_on": "2099-01-01", "place": "home"}
    for refused in (
        await client.post(url, json=future),
        await client.post(f"{url}/corrections", json={**future, "base_version": 1, "reason": "x"}),
    ):
        assert refused.status == 422
        assert (await refused.json())["field"] == "died_on"
    assert not [e for e in await _audit(db, person_id) if e.action.startswith("death_")]


async def test_a_death_is_corrected_as_a_new_version_with_a_reason_the_old_one_kept(
    client: TestClient, world: World, db: Database
) -> None:
    person_id = await _nurse_and_entry(client, world)
    first = {"died_on": "2026-10-20", "place": "hospital"}
    assert (await client.post(f"/api/residents/{person_id}/death", json=first)).status == 201
    url = f"/api/residents/{person_id}/death/corrections"
    reason = "Ward clerk entered the wrong place; died at the hospice"
    fix = {"died_on": "2026-10-21", "place": "hospice", "base_version": 1}
    assert (await client.post(url, json=fix)).status == 422  # no reason
    corrected = await client.post(url, json={**fix, "reason": reason})
    assert corrected.status == 201, await corrected.text()
    record = await corrected.json()
    assert (record["death"]["version"], record["death"]["place"]) == (2, "hospice")
    assert record["death"]["reason"] == reason
    assert [(d["version"], d["place"]) for d in record["death_history"]] == [
        (2, "hospice"),
        (1, "hospital"),
    ]
    stale = await client.post(url, json={**fix, "place": "home", "reason": "again"})
    assert stale.status == 409  # it corrects version 1, which is no longer current

    async with db.session() as s:
        stored = (await s.exec(select(Death).order_by(col(Death.version)))).all()
        assert [(d.version, d.place, d.reason) for d in stored] == [
            (1, "hospital", None),
            (2, "hospice", reason),
        ]
        hub = Scope(role=Role.HUB_NURSE, organisation_id=world.hub.id or 0, user_id=world.nurse.id)
        current = await PalliativeRepo(s, SystemClock()).current_deaths(hub, person_ids=[person_id])
    assert (current[person_id].version, current[person_id].place) == (2, "hospice")
    corrections = [e for e in await _audit(db, person_id) if e.action == "death_correction"]
    assert [(e.outcome, e.detail) for e in corrections] == [
        ("ok", {"death_id": stored[1].id, "version": 2})
    ]
    assert reason not in str(corrections[0].detail)  # ids only, never the reason


async def test_a_second_death_record_is_refused_saying_how_to_correct_it(
    client: TestClient, world: World
) -> None:
    person_id = await _nurse_and_entry(client, world)
    url = f"/api/residents/{person_id}/death"
    assert (await client.post(url, json={"died_on": "2026-10-20", "place": "home"})).status == 201
    again = await client.post(url, json={"died_on": "2026-10-21", "place": "home"})
    assert again.status == 409
    assert "correct" in (await again.json())["message"]
