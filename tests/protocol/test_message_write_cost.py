"""What a message send holds while it holds its threads' counters (issue 16, ``make
bench-delivery``): the counter rows stay locked from the statement that takes the sequence
numbers to the commit, so every other writer to the same threads (a home's tablets, every
site's writes to the hub's thread) waits that long. Under a steady rate of sends that wait,
not Redis, was most of send to shown on the other process; a change that adds to it fails."""

from __future__ import annotations

import asyncio

from support.hub import RunningHub
from support.statements import counted

# Taking the numbers; the message; the audit row chained at commit: the chain head's
# update, its new last hash, the row inserted already chained.
HELD_STATEMENTS = 5


def _held(statements: list[str]) -> list[str]:
    """The statements from the first that takes a sequence number to the end."""
    first = next(
        n for n, s in enumerate(statements) if s.lstrip().startswith("UPDATE threadcounter")
    )
    return statements[first:]


async def test_a_message_send_holds_the_thread_counters_for_five_statements(
    hub: RunningHub,
) -> None:
    tablet = await hub.device()
    warm = await tablet.command("message/send", client_message_id="warm", body="the first")
    with counted(hub.services.database) as seen:
        out = await tablet.command("message/send", client_message_id="m-1", body="brighter")
    held = _held(seen.statements)
    assert len(held) <= HELD_STATEMENTS, held
    # Every counter in one statement, taken after the checks (nothing but writes follow).
    assert sum("threadcounter" in s for s in held) == 1, held
    assert not any(s.lstrip().upper().startswith("SELECT") for s in held), held
    # The audit row is inserted once, with its place in the chain, not inserted then updated.
    assert not any(s.lstrip().startswith("UPDATE auditevent") for s in held), held
    assert (out["site_seq"], out["hub_seq"]) == (warm["site_seq"] + 1, warm["hub_seq"] + 1)


async def test_a_message_about_a_person_takes_its_three_numbers_at_once(hub: RunningHub) -> None:
    tablet = await hub.device()
    person_id = hub.world.home_a.resident.id
    first = await tablet.command(
        "message/send", client_message_id="p-1", body="brighter", person_id=person_id
    )
    with counted(hub.services.database) as seen:
        second = await tablet.command(
            "message/send", client_message_id="p-2", body="eating", person_id=person_id
        )
    assert (second["site_seq"], second["hub_seq"], second["person_seq"]) == (
        first["site_seq"] + 1,
        first["hub_seq"] + 1,
        first["person_seq"] + 1,
    )
    held = _held(seen.statements)
    assert sum("threadcounter" in s for s in held) == 1, held
    assert len(held) <= HELD_STATEMENTS, held


async def test_writers_at_two_homes_about_their_residents_get_every_number_once(
    hub: RunningHub,
) -> None:
    """Every writer takes its counters in one order, so none waits on another that waits
    on it, and the numbers still follow commit order with no gap and no repeat."""
    homes = [hub.world.home_a, hub.world.home_b]
    tablets = [(await hub.device(home.site.ods_code), home) for home in homes for _ in range(3)]

    async def send(n: int) -> list[dict[str, int]]:
        tablet, home = tablets[n]
        about = {"person_id": home.resident.id} if n % 2 else {}
        return [
            await tablet.command("message/send", client_message_id=f"c{n}-{k}", body="x", **about)
            for k in range(8)
        ]

    sent = [m for batch in await asyncio.gather(*(send(n) for n in range(6))) for m in batch]
    hub_seqs = sorted(m["hub_seq"] for m in sent)
    assert hub_seqs == list(range(hub_seqs[0], hub_seqs[0] + len(sent)))
    for home in homes:
        site = sorted(m["site_seq"] for m in sent if m["site_id"] == home.site.id)
        assert site == list(range(site[0], site[0] + 24))
        about = sorted(m["person_seq"] for m in sent if m["person_id"] == home.resident.id)
        assert about == list(range(about[0], about[0] + len(about))) and len(about) >= 8
