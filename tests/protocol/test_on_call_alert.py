"""No nurse on shift at 3 a.m.: a call passes the answer target and the on-call lead is
emailed, over SMTP, to a real local mail server (aiosmtpd on a spare port). With a nurse
free, nobody is emailed. The mail carries no clinical text, name or NHS number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from hub.settings import HubSettings
from support.calls import CALL, call_request
from support.hub import RunningHub, running_hub
from support.servers import free_port
from support.world import NOW, World
from telehub_client import HubConnection


class Mailbox:
    def __init__(self) -> None:
        self.mails: asyncio.Queue[tuple[Envelope, Message]] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        mail = message_from_bytes(envelope.content)
        # aiosmtpd runs in its own thread: hand the mail to the test's loop.
        self.loop.call_soon_threadsafe(self.mails.put_nowait, (envelope, mail))
        return "250 OK"


@pytest.fixture
async def mailbox() -> AsyncIterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
async def hub(
    settings: HubSettings, world: World, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[RunningHub]:
    _, port = mailbox
    alerting = settings.model_copy(
        update={
            "on_call_lead_email": "on-call.lead@hub.example",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "mail_from": "telehub@hub.example",
        }
    )
    async with running_hub(alerting, world, NOW) as running:
        yield running


async def test_a_call_past_target_with_no_nurse_emails_the_on_call_lead(
    hub: RunningHub, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    tablet = await hub.device()
    call = await tablet.command("call/start", **call_request(hub))
    await past_the_target(hub, tablet)
    async with asyncio.timeout(15):
        envelope, mail = await box.mails.get()
    assert envelope.rcpt_tos == ["on-call.lead@hub.example"]
    assert mail["From"] == "telehub@hub.example"
    assert "no nurse free" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert "Home A" in text and "No nurse is signed in." in text and "/console" in text
    # Nothing clinical: not the concern, the resident's name or NHS number, nor the call id.
    for secret in (CALL["concern"], "Edith", hub.world.home_a.resident.nhs_number, call["id"]):
        assert secret not in text and secret not in mail["Subject"]
    assert box.mails.empty()


async def test_with_a_nurse_free_nobody_is_emailed(
    hub: RunningHub, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    nurse = await hub.staff(hub.world.nurse)
    await nurse.command("queue/subscribe")
    tablet = await hub.device()
    await tablet.command("call/start", **call_request(hub))
    await past_the_target(hub, tablet, nurse_status=(nurse, "available"))
    await nurse.next_event("overdue")  # the hub has judged the call overdue, and not mailed
    # ...and a second call, with the nurse on a break, does mail: the first answer was "no".
    await tablet.command("call/start", **call_request(hub, 2))
    await past_the_target(hub, tablet, nurse_status=(nurse, "on_break"))
    async with asyncio.timeout(15):
        _, mail = await box.mails.get()
    assert "none free" in mail.get_payload(decode=True).decode()
    assert box.mails.empty()


async def past_the_target(
    hub: RunningHub, tablet: HubConnection, *, nurse_status: tuple[HubConnection, str] | None = None
) -> None:
    """The answer target passes; every socket is kept fresh (pings, the nurse checks in) and
    the hub's timers run once."""
    hub.clock.advance(timedelta(seconds=hub.services.settings.answer_target_seconds + 5))
    await tablet.command("ping")
    if nurse_status is not None:
        nurse, status = nurse_status
        await nurse.command("presence/set", status=status)
    await hub.services.timers.sweep()
