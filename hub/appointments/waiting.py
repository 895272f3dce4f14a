"""The waiting room of a booked clinic, its reminders and its late flags.

- The site joins at the time: from 15 minutes before the slot until its end its tablet (or
  a member of its staff) says the person has arrived; the clinician is told.
- The clinician sees who is waiting and admits them: that opens an ordinary call (the
  site's tablet as the caller, the clinician as the clinician who wraps it up), so it runs
  like any other call (specialist, messages, wrap-up). Admitting marks the appointment held;
  admitting twice gives one call (a unique client ref, and a conditional status change).
- Reminders on the site's tablet 15 minutes before and at the slot time; a slot not joined
  10 minutes after its start is flagged to the clinician. ``sweep`` works them out from the
  database at the clock's time (the hub's timer loop, in every hub process, calls it; tests
  drive a fake clock), claiming each in the database before sending it, so it goes once.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError

from hub.auth.principal import Principal, user_key
from hub.broker import topics
from hub.broker.fanout import Fanout
from hub.calls.announce import Announcer
from hub.clock import Clock, as_utc, london_month
from hub.errors import Forbidden, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.appointments import AppointmentRepo, ClinicRepo, NoticeColumn
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.calls import CallRepo, ParticipantRepo
from hub.storage.repos.organisations import OrganisationRepo
from hub.storage.scope import SYSTEM
from hub.storage.tables import Appointment, Call, CallEvent, CallParticipant
from schemas.appointments import AppointmentPublic
from schemas.codes import AppointmentStatus, CallState, Channel, OrganisationKind, Role
from schemas.wire import AppointmentEvent, CallSnapshot

from .service import AppointmentService

JOIN_FROM = timedelta(minutes=15)
"""A site may join the waiting room from this long before its slot."""
REMIND_BEFORE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=10)
CLINIC_CHANNEL = {
    OrganisationKind.PRISON: Channel.PRISON_CLINIC,
    OrganisationKind.OWN_HOME: Channel.HOME_PATIENT,
}
"""The channel an admitted appointment's call comes in on (care homes: care_home)."""

ADMITTED = "This appointment has already been admitted or ended"
Notice = Literal["reminder_before", "reminder_now", "arrived", "late"]


class WaitingRoom:
    def __init__(self, db: Database, clock: Clock, fanout: Fanout, announce: Announcer) -> None:
        self.db = db
        self.clock = clock
        self.fanout = fanout
        self.announce = announce
        self.appointments = AppointmentService(db, clock)

    async def arrive(self, p: Principal, appointment_id: int) -> AppointmentPublic:
        """The site says the person is here and waiting (its own appointments only)."""
        now = self.clock.now()
        async with self.db.session() as s:
            repo = AppointmentRepo(s, self.clock)
            a = await repo.get(p.scope, appointment_id=appointment_id)
            slot, _ = await ClinicRepo(s, self.clock).slot(slot_id=a.slot_id)
            if a.status != AppointmentStatus.BOOKED:
                raise InvalidState(
                    f"This appointment is {AppointmentStatus(a.status).label.lower()}"
                )
            if now < as_utc(slot.starts_at) - JOIN_FROM:
                raise InvalidState("Join the waiting room from 15 minutes before the appointment")
            if now >= as_utc(slot.ends_at):
                raise InvalidState("This appointment's time has passed")
            a.arrived_at = a.arrived_at or now
            a.arrived_by = p.key  # the participant key of who arrived
            s.add(a)
            await AuditRepo(s, self.clock).note(
                p.scope, "appointment_arrive", target_type="appointment", target_id=a.id,
                person_id=a.person_id,
            )  # fmt: skip
            public = await self.appointments._public(s, a)
            clinician = await ClinicRepo(s, self.clock).get(SYSTEM, clinic_id=a.clinic_id)
        await self._tell_clinician(clinician.clinician_id, "arrived", public)
        return public

    async def waiting(self, p: Principal, clinic_id: int) -> list[AppointmentPublic]:
        """The clinic's booked appointments, with who has arrived (hub staff)."""
        p.scope.require_hub()
        async with self.db.session() as s:
            await ClinicRepo(s, self.clock).get(p.scope, clinic_id=clinic_id)
            rows = await AppointmentRepo(s, self.clock).of_clinic(p.scope, clinic_id=clinic_id)
            await AuditRepo(s, self.clock).note(
                p.scope, "waiting_room_read", target_type="clinic", target_id=clinic_id
            )
            return [await self.appointments._public(s, a) for a in rows]

    async def admit(self, p: Principal, appointment_id: int) -> CallSnapshot:
        """The clinician admits the person who is waiting: an ordinary call opens. Two
        admits at once give one call (the call's unique client ref refuses the second)."""
        p.scope.require(Role.SPECIALIST, Role.HUB_NURSE)
        try:
            call_id = await self._admit(p, appointment_id)
        except IntegrityError:
            raise InvalidState(ADMITTED) from None
        return await self.announce.call_changed(call_id)

    async def _admit(self, p: Principal, appointment_id: int) -> str:
        scope = p.scope
        now = self.clock.now()
        call_id = str(uuid.uuid4())
        async with self.db.session() as s:
            repo = AppointmentRepo(s, self.clock)
            a = await repo.get(scope, appointment_id=appointment_id)
            clinic = await ClinicRepo(s, self.clock).get(scope, clinic_id=a.clinic_id)
            if clinic.clinician_id != scope.user_id:
                raise Forbidden("Only the clinic's clinician admits its patients")
            if a.arrived_at is None or a.arrived_by is None:
                raise InvalidState("They have not arrived in the waiting room yet")
            if a.status != AppointmentStatus.BOOKED:
                raise InvalidState(ADMITTED)
            site = await OrganisationRepo(s, self.clock).get(SYSTEM, organisation_id=a.site_id)
            caller = a.arrived_by
            device_id = int(caller.split(":")[1]) if caller.startswith("device:") else None
            user_id = int(caller.split(":")[1]) if caller.startswith("user:") else None
            call = Call(
                id=call_id,
                site_id=a.site_id,
                person_id=a.person_id,
                device_id=device_id,
                caller_name=site.name,
                channel=CLINIC_CHANNEL.get(OrganisationKind(site.kind), Channel.CARE_HOME).value,
                reason="other",
                home_intent="unknown",
                state=CallState.CONNECTED.value,
                started_at=now,
                queued_at=now,
                answered_at=now,
                local_month=london_month(now),
                nurse_id=scope.user_id,
                client_ref=f"appointment:{appointment_id}",
            )
            await CallRepo(s, self.clock).add(
                call,
                [
                    CallEvent(call_id=call_id, at=now, kind="state", to_state="requested"),
                    CallEvent(
                        call_id=call_id, at=now, kind="state", from_state="requested",
                        to_state="connected", actor_user_id=scope.user_id,
                        detail={"appointment_id": appointment_id},
                    ),
                ],
            )  # fmt: skip
            participants = ParticipantRepo(s, self.clock)
            await participants.add(
                CallParticipant(
                    call_id=call_id,
                    key=caller,
                    user_id=user_id,
                    device_id=device_id,
                    role="caller",
                    name=site.name,
                    joined_at=now,
                )  # fmt: skip
            )
            await participants.add(
                CallParticipant(
                    call_id=call_id,
                    key=p.key,
                    user_id=scope.user_id,
                    role="nurse",
                    name=p.name,
                    joined_at=now,
                )  # fmt: skip
            )
            if not await repo.move(  # the call first: the appointment names it
                appointment_id=appointment_id,
                sources=[AppointmentStatus.BOOKED.value],
                target=AppointmentStatus.HELD.value,
                call_id=call_id,
            ):
                raise InvalidState(ADMITTED)
            await AuditRepo(s, self.clock).note(
                scope, "appointment_admit", target_type="appointment", target_id=appointment_id,
                person_id=a.person_id, detail={"call_id": call_id},
            )  # fmt: skip
        return call_id

    # -- reminders and late flags ------------------------------------------------------------
    async def sweep(self) -> int:
        """Send the reminders and late flags now due; each once, whichever hub process's
        timer gets there first (each is claimed by a conditional UPDATE that commits before
        it is sent). Returns how many this sweep sent."""
        now = self.clock.now()
        due: list[tuple[Notice, Appointment, int]] = []
        async with self.db.session() as s:
            repo = AppointmentRepo(s, self.clock)
            booked = await repo.booked_between(
                since=now - timedelta(hours=2), until=now + REMIND_BEFORE
            )
            for a in booked:
                start = as_utc(a.starts_at)
                clinic = await ClinicRepo(s, self.clock).get(SYSTEM, clinic_id=a.clinic_id)
                wanted: list[tuple[Notice, NoticeColumn]] = []
                if a.reminded_before_at is None and start - REMIND_BEFORE <= now < start:
                    wanted.append(("reminder_before", "reminded_before_at"))
                if a.reminded_at is None and now >= start and a.arrived_at is None:
                    wanted.append(("reminder_now", "reminded_at"))
                if a.late_flagged_at is None and now >= start + LATE_AFTER and a.arrived_at is None:
                    wanted.append(("late", "late_flagged_at"))
                for what, column in wanted:
                    if await repo.claim_notice(appointment_id=a.id or 0, notice=column, at=now):
                        due.append((what, a, clinic.clinician_id))
            publics = [await self.appointments._public(s, a) for _, a, _ in due]
        for (what, a, clinician), public in zip(due, publics, strict=True):
            if what == "late":
                await self._tell_clinician(clinician, what, public)
            else:
                event = AppointmentEvent(what=what, appointment=public)
                await self.fanout.event(topics.site_news(a.site_id), event)
        return len(due)

    async def _tell_clinician(
        self, clinician_id: int, what: Notice, public: AppointmentPublic
    ) -> None:
        event = AppointmentEvent(what=what, appointment=public)
        await self.fanout.event(topics.participant(user_key(clinician_id)), event)
