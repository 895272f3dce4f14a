"""What one socket's registration costs the database: the statements it sends and the
transactions it begins (on PostgreSQL each is a BEGIN and a COMMIT: two round trips more).
A deploy brings every tablet back at once (issue 16, ``make bench-restart``), so these are
counted here, and a change that adds to them fails."""

from __future__ import annotations

from typing import Any

from hub.storage.tables import User
from support.calls import call_request
from support.hub import RunningHub
from support.statements import Counted, counted
from support.world import PASSWORD
from telehub_client import HubConnection


def _cost(seen: Counted, backend: str) -> tuple[int, int]:
    """Statements, and transactions on PostgreSQL (SQLite's autocommit is a transaction)."""
    return len(seen.statements), seen.transactions if backend == "postgres" else -1


async def _registering(hub: RunningHub, conn: HubConnection) -> Counted:
    with counted(hub.services.database) as seen:
        await conn.connect()
    return seen


async def _signed_in_staff(hub: RunningHub, user: User) -> tuple[HubConnection, list[str]]:
    """A nurse's socket as a browser opens it: a ticket from her signed-in session. The
    tickets are issued beforehand (appended to the list) so that issuing is not counted."""
    identity = hub.services.identity
    principal, _ = await identity.sign_in(user.username, PASSWORD)
    tickets: list[str] = []

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "ticket": tickets.pop()}

    async def issue() -> None:
        tickets.append((await identity.issue_ticket(principal))[0])

    await issue()
    conn = await HubConnection.open(hub.url, auth)
    hub.opened.append(conn)
    await issue()
    return conn, tickets


def back_calls(conn: HubConnection) -> list[dict[str, Any]]:
    """The calls the hub gave back in this client's last auth_ok."""
    return list(conn.auth_ok["calls"])


def _shows(key: str, connected: bool) -> Any:
    def where(event: dict[str, Any]) -> bool:
        here = {p["key"]: p["connected"] for p in event["call"]["participants"]}
        return here.get(key) is connected

    return where


async def test_an_idle_tablet_registers_with_one_statement_and_no_transaction(
    hub: RunningHub, backend: str
) -> None:
    credential = await hub.device_credential()

    async def auth() -> dict[str, str]:
        return {"type": "auth", "credential": credential}

    tablet = HubConnection(hub.url, auth)
    hub.opened.append(tablet)
    seen = await _registering(hub, tablet)  # the first time costs what every time does
    # Its credential looked up, and in the same statement that it is in no call: nothing
    # to mark connected.
    assert _cost(seen, backend) == (1, 0 if backend == "postgres" else -1), seen.statements
    if backend == "postgres":  # a Core read on a bare connection: no ORM session built
        assert seen.sessions == 0


async def test_a_nurse_in_no_call_registers_without_marking_a_place(
    hub: RunningHub, backend: str
) -> None:
    _, tickets = await _signed_in_staff(hub, hub.world.nurse)

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "ticket": tickets.pop()}

    second = HubConnection(hub.url, auth)  # a second tab: nothing of the first is counted
    hub.opened.append(second)
    seen = await _registering(hub, second)
    # The ticket taken, its session read, her user read with (in the same statement) that
    # she is in no call; her own calls to finish read. No participant UPDATE.
    assert _cost(seen, backend) == (4, 0 if backend == "postgres" else -1), seen.statements


async def test_a_tablet_and_nurse_in_a_call_re_register_within_their_statements(
    hub: RunningHub, backend: str
) -> None:
    tablet = await hub.device()
    nurse, _ = await _signed_in_staff(hub, hub.world.nurse)
    call = await tablet.command("call/start", **call_request(hub))
    await nurse.command("call/accept", call_id=call["id"])
    tablet_key = tablet.auth_ok["who"]["participant_key"]
    nurse_key = nurse.auth_ok["who"]["participant_key"]
    # Only on PostgreSQL: the call's snapshot, read in one transaction (hub.calls.announce).
    snapshot = 1 if backend == "postgres" else -1

    await tablet.drop()
    await nurse.next_event("call", _shows(tablet_key, False))  # the hub has seen it go
    back = await _registering(hub, tablet)
    assert [c["id"] for c in back_calls(tablet)] == [call["id"]]
    # The credential (and that it is in a call); its calls marked connected; the call's
    # snapshot (3 reads).
    assert _cost(back, backend) == (5, snapshot), back.statements

    await nurse.drop()
    await tablet.next_event("call", _shows(nurse_key, False))
    staff = await _registering(hub, nurse)
    assert [c["id"] for c in back_calls(nurse)] == [call["id"]]
    # The ticket taken, its session and her user read; her calls marked connected and her
    # own calls read; the call's snapshot (3 reads).
    assert _cost(staff, backend) == (8, snapshot), staff.statements
