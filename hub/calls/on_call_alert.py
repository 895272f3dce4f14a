"""The on-call lead is emailed when a call waits past the answer target and no nurse is
free to answer it (issue 17 item 3): at 3 a.m. with nobody signed in, the queue's own alerts
reach no one.

The mail goes over SMTP to ``on_call_lead_email`` through ``smtp_host``/``smtp_port``. It
holds no clinical detail, no resident's name and no NHS number: the site, the call's
priority and how long it has waited, and where to answer. A call is alerted once (the
timers mark a call overdue once).

Whether a nurse is free is the shift roster's to say (``hub/outcomes/shift.py``, a layer
above calls): the alert asks through the :class:`NurseRoster` port, and the one place
services are built (``hub/services.py``) hands it the shift service.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from hub.clock import Clock
from hub.settings import HubSettings
from hub.storage.engine import Database
from hub.storage.repos.calls import CallRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.scope import SYSTEM

log = logging.getLogger("hub.on_call")
SMTP_TIMEOUT_SECONDS = 10


class NurseRoster(Protocol):
    async def nurses(self) -> tuple[int, int]:
        """(signed in, free): hub nurses on shift now, and those free to answer."""
        ...


class OnCallAlert:
    def __init__(
        self, db: Database, clock: Clock, settings: HubSettings, roster: NurseRoster
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.roster = roster
        self.sending: set[asyncio.Task[bool]] = set()  # held until done (not collected early)

    def overdue(self, call_id: str, waited_seconds: int) -> None:
        """The calls' timers found a call past the target: judge and mail in the background
        (a slow mail relay must not hold up the timers)."""
        if not self.configured:
            return
        task = asyncio.create_task(self.call_overdue(call_id, waited_seconds), name="on-call")
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    @property
    def configured(self) -> bool:
        return bool(self.settings.on_call_lead_email and self.settings.smtp_host)

    async def call_overdue(self, call_id: str, waited_seconds: int) -> bool:
        """Email the on-call lead if no nurse is free; True when a mail was sent."""
        if not self.configured:
            return False
        signed_in, free = await self.roster.nurses()
        if free:
            return False
        async with self.db.read() as s:
            call = await CallRepo(s, self.clock).get(SYSTEM, call_id=call_id)
            site = await OrganisationRepo(s, self.clock).get(SYSTEM, organisation_id=call.site_id)
            site_name, priority = site.name, call.priority
        mail = self.mail(site_name, priority, waited_seconds, signed_in)
        try:
            await asyncio.to_thread(self._send, mail)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("on-call alert not sent: %s", type(exc).__name__)
            return False
        log.info("on-call alert sent (waited %d s, nurses signed in %d)", waited_seconds, signed_in)
        return True

    def mail(
        self, site_name: str, priority: int, waited_seconds: int, signed_in: int
    ) -> EmailMessage:
        settings = self.settings
        minutes = waited_seconds // 60
        mail = EmailMessage()
        mail["From"] = settings.mail_from
        mail["To"] = settings.on_call_lead_email or ""
        mail["Subject"] = f"Telehealth hub: a call has waited {minutes} min with no nurse free"
        nobody = (
            "No nurse is signed in."
            if signed_in == 0
            else f"{signed_in} nurse(s) signed in, none free."
        )
        mail.set_content(
            "\n".join(
                [
                    f"A call from {site_name} has waited {minutes} min {waited_seconds % 60} s,"
                    f" past the answer target of {settings.answer_target_seconds // 60} min.",
                    nobody,
                    f"Clinical priority: {priority} (3 is high).",
                    "",
                    f"Answer it at {str(settings.public_base_url).rstrip('/')}/console",
                ]
            )
        )
        return mail

    def _send(self, mail: EmailMessage) -> None:
        host = self.settings.smtp_host or "localhost"
        with smtplib.SMTP(host, self.settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            smtp.send_message(mail)
