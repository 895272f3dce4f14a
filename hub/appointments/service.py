"""Booked clinics: a hub admin or specialist creates a clinic; hub staff book its slots for
a person at their site, cancel, move (rebook) and mark did-not-attend.

Booking is race-safe in the database (``AppointmentRepo``): of two bookings of one slot at
once, one is made and the other is told the slot is taken (409). Every change is audited
with the person it concerns; every list read is audited with what it found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.auth.principal import Principal
from hub.clock import Clock, LondonDays, as_utc
from hub.errors import Conflict, Forbidden, InvalidInput, InvalidState
from hub.storage.engine import Database
from hub.storage.repos.appointments import AppointmentRepo, ClinicRepo
from hub.storage.repos.audit import AuditRepo, found
from hub.storage.repos.people import PersonRepo
from hub.storage.scope import Scope
from hub.storage.tables import Appointment, ClinicSession, ClinicSlot
from schemas.appointments import (
    AppointmentCreate,
    AppointmentPublic,
    AppointmentQuery,
    AppointmentRebook,
    ClinicCreate,
    ClinicPublic,
    ClinicQuery,
    SlotBooking,
    SlotPublic,
)
from schemas.codes import AppointmentStatus, Role

from .slots import NotALondonTime, local_offset, local_start, slot_times

CLINIC_MAKERS = (Role.HUB_ADMIN, Role.SPECIALIST)
"""Who creates clinics: an administrator for any specialist, a specialist for themself."""
BOOKERS = (Role.HUB_ADMIN, Role.SPECIALIST, Role.HUB_NURSE)
"""Who books, cancels, moves and marks appointments."""
TAKEN = "This slot is already booked: choose another"


class AppointmentService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- clinics ---------------------------------------------------------------------------
    async def create_clinic(self, p: Principal, body: ClinicCreate) -> ClinicPublic:
        scope = p.scope
        scope.require(*CLINIC_MAKERS)
        if scope.role is Role.SPECIALIST and body.clinician_id != scope.user_id:
            raise Forbidden("A specialist creates clinics for themself")
        start = time.fromisoformat(body.starts_at)
        try:
            times = slot_times(body.day, start, body.slot_minutes, body.slots)
        except NotALondonTime as exc:
            raise InvalidInput(str(exc), field="starts_at") from None
        async with self.db.session() as s:
            clinicians = await ClinicRepo(s, self.clock).clinicians(user_ids=[body.clinician_id])
            clinician = clinicians.get(body.clinician_id)
            if clinician is None or clinician.role != Role.SPECIALIST or not clinician.active:
                raise InvalidInput(
                    "The clinician must be an active specialist", field="clinician_id"
                )
            clinic = await ClinicRepo(s, self.clock).add(
                ClinicSession(
                    specialty=body.specialty,
                    clinician_id=body.clinician_id,
                    day=body.day,
                    created_by=scope.actor,
                    created_at=self.clock.now(),
                ),
                [ClinicSlot(clinic_id=0, starts_at=t.starts_at, ends_at=t.ends_at) for t in times],
            )
            await AuditRepo(s, self.clock).note(
                scope, "clinic_create", target_type="clinic", target_id=clinic.id
            )
            return (await self._clinics_public(s, [clinic]))[0]

    async def clinics(self, scope: Scope, query: ClinicQuery) -> list[ClinicPublic]:
        days = LondonDays(query.day, query.day)
        async with self.db.session() as s:
            clinics = await ClinicRepo(s, self.clock).listed(
                scope, since=days.since, until=days.until
            )
            await AuditRepo(s, self.clock).note(
                scope, "clinic_list", detail=found("clinic_ids", [c.id for c in clinics])
            )
            return await self._clinics_public(s, clinics)

    async def clinic(self, scope: Scope, clinic_id: int) -> ClinicPublic:
        """One clinic and its slots (the console's clinic page)."""
        scope.require(*BOOKERS)
        async with self.db.session() as s:
            clinic = await ClinicRepo(s, self.clock).get(scope, clinic_id=clinic_id)
            await AuditRepo(s, self.clock).note(
                scope, "clinic_read", target_type="clinic", target_id=clinic_id
            )
            return (await self._clinics_public(s, [clinic]))[0]

    async def _clinics_public(
        self, s: AsyncSession, clinics: Sequence[ClinicSession]
    ) -> list[ClinicPublic]:
        repo = ClinicRepo(s, self.clock)
        slots = await repo.slots_of(clinic_ids=[c.id or 0 for c in clinics])
        holders = await AppointmentRepo(s, self.clock).holders(slot_ids=[x.id or 0 for x in slots])
        names = await repo.clinicians(user_ids=[c.clinician_id for c in clinics])
        out = []
        for clinic in clinics:
            user = names.get(clinic.clinician_id)
            out.append(
                ClinicPublic(
                    id=clinic.id or 0,
                    specialty=clinic.specialty,
                    clinician_id=clinic.clinician_id,
                    clinician_name=user.display_name if user else "",
                    day=clinic.day,
                    slots=[
                        _slot_public(x, holders.get(x.id or 0))
                        for x in slots
                        if x.clinic_id == clinic.id
                    ],
                )
            )
        return out

    # -- appointments ----------------------------------------------------------------------
    async def book(self, p: Principal, body: AppointmentCreate) -> AppointmentPublic:
        p.scope.require(*BOOKERS)
        try:
            async with self.db.session() as s:
                appointment = await self._book(s, p.scope, body.slot_id, body.person_id)
                return await self._public(s, appointment)
        except IntegrityError:
            raise Conflict(TAKEN) from None

    async def book_at_site(self, p: Principal, body: SlotBooking) -> AppointmentPublic:
        """Book a slot for the person with this NHS number at this site (the console)."""
        p.scope.require(*BOOKERS)
        try:
            async with self.db.session() as s:
                person = await PersonRepo(s, self.clock).at_site(
                    p.scope, site_id=body.site_id, nhs_number=body.nhs_number
                )
                appointment = await self._book(s, p.scope, body.slot_id, person.id or 0)
                return await self._public(s, appointment)
        except IntegrityError:
            raise Conflict(TAKEN) from None

    async def _book(
        self,
        s: AsyncSession,
        scope: Scope,
        slot_id: int,
        person_id: int,
        rebooked_from: int | None = None,
    ) -> Appointment:
        person = await PersonRepo(s, self.clock).get(scope, person_id=person_id)
        slot, clinic = await ClinicRepo(s, self.clock).slot(slot_id=slot_id)
        now = self.clock.now()
        if as_utc(slot.starts_at) <= now:
            raise InvalidState("This slot has already started: choose a later one")
        appointment = await AppointmentRepo(s, self.clock).add(
            Appointment(
                slot_id=slot.id or 0,
                live_slot_id=slot.id,
                clinic_id=clinic.id or 0,
                person_id=person.id or 0,
                site_id=person.site_id,
                status=AppointmentStatus.BOOKED.value,
                starts_at=slot.starts_at,
                booked_by=scope.actor,
                booked_at=now,
                rebooked_from_id=rebooked_from,
            )
        )
        await AuditRepo(s, self.clock).note(
            scope,
            "appointment_book",
            target_type="appointment",
            target_id=appointment.id,
            person_id=person.id,
        )
        return appointment

    async def cancel(self, p: Principal, appointment_id: int) -> AppointmentPublic:
        return await self._end(
            p, appointment_id, AppointmentStatus.CANCELLED, "appointment_cancel", frees=True
        )

    async def did_not_attend(self, p: Principal, appointment_id: int) -> AppointmentPublic:
        return await self._end(
            p, appointment_id, AppointmentStatus.DID_NOT_ATTEND, "appointment_dna", frees=False
        )

    async def _end(
        self,
        p: Principal,
        appointment_id: int,
        target: AppointmentStatus,
        action: str,
        *,
        frees: bool,
    ) -> AppointmentPublic:
        scope = p.scope
        scope.require(*BOOKERS)
        now = self.clock.now()
        async with self.db.session() as s:
            repo = AppointmentRepo(s, self.clock)
            appointment = await repo.get(scope, appointment_id=appointment_id)
            if target is AppointmentStatus.DID_NOT_ATTEND and as_utc(appointment.starts_at) > now:
                raise InvalidState("An appointment is marked did-not-attend after its start")
            values: dict[str, object] = {"ended_at": now}
            if frees:
                values["live_slot_id"] = None
            moved = await repo.move(
                appointment_id=appointment_id,
                sources=[AppointmentStatus.BOOKED.value],
                target=target.value,
                **values,
            )
            if not moved:
                await s.refresh(appointment)
                raise InvalidState(f"This appointment is {_status_words(appointment)}")
            await AuditRepo(s, self.clock).note(
                scope,
                action,
                target_type="appointment",
                target_id=appointment_id,
                person_id=appointment.person_id,
            )
            await s.refresh(appointment)
            return await self._public(s, appointment)

    async def rebook(
        self, p: Principal, appointment_id: int, body: AppointmentRebook
    ) -> AppointmentPublic:
        """Move a booked appointment to another free slot, in one transaction: the old
        booking lets its slot go and the new one takes the other, or neither happens."""
        scope = p.scope
        scope.require(*BOOKERS)
        try:
            async with self.db.session() as s:
                repo = AppointmentRepo(s, self.clock)
                old = await repo.get(scope, appointment_id=appointment_id)
                if old.slot_id == body.slot_id:
                    raise InvalidInput("Choose a different slot", field="slot_id")
                moved = await repo.move(
                    appointment_id=appointment_id,
                    sources=[AppointmentStatus.BOOKED.value],
                    target=AppointmentStatus.REBOOKED.value,
                    live_slot_id=None,
                    ended_at=self.clock.now(),
                )
                if not moved:
                    await s.refresh(old)
                    raise InvalidState(f"This appointment is {_status_words(old)}")
                new = await self._book(s, scope, body.slot_id, old.person_id, old.id)
                await repo.move(
                    appointment_id=appointment_id,
                    sources=[AppointmentStatus.REBOOKED.value],
                    target=AppointmentStatus.REBOOKED.value,
                    rebooked_to_id=new.id,
                )
                return await self._public(s, new)
        except IntegrityError:
            raise Conflict(TAKEN) from None

    async def appointments(self, scope: Scope, query: AppointmentQuery) -> list[AppointmentPublic]:
        days = LondonDays(query.day, query.day)
        async with self.db.session() as s:
            rows = await AppointmentRepo(s, self.clock).listed(
                scope, site_id=query.site, since=days.since, until=days.until
            )
            await AuditRepo(s, self.clock).note(
                scope, "appointment_list", detail=found("appointment_ids", [a.id for a in rows])
            )
            return [await self._public(s, a) for a in rows]

    async def day_of_site(self, scope: Scope, day: date) -> list[AppointmentPublic]:
        """A site's booked appointments on one London day (its tablet's list)."""
        return await self.appointments(scope, AppointmentQuery(day=day, site=scope.organisation_id))

    async def _public(self, s: AsyncSession, a: Appointment) -> AppointmentPublic:
        slot, clinic = await ClinicRepo(s, self.clock).slot(slot_id=a.slot_id)
        names = await ClinicRepo(s, self.clock).clinicians(user_ids=[clinic.clinician_id])
        user = names.get(clinic.clinician_id)
        return AppointmentPublic(
            id=a.id or 0,
            slot_id=a.slot_id,
            clinic_id=a.clinic_id,
            specialty=clinic.specialty,
            clinician_name=user.display_name if user else "",
            person_id=a.person_id,
            site_id=a.site_id,
            status=AppointmentStatus(a.status),
            starts_at=as_utc(slot.starts_at),
            ends_at=as_utc(slot.ends_at),
            local_start=local_start(slot.starts_at),
            booked_at=as_utc(a.booked_at),
            rebooked_from_id=a.rebooked_from_id,
            rebooked_to_id=a.rebooked_to_id,
            arrived_at=as_utc(a.arrived_at) if a.arrived_at else None,
            call_id=a.call_id,
        )


def _slot_public(slot: ClinicSlot, holder: int | None) -> SlotPublic:
    return SlotPublic(
        id=slot.id or 0,
        starts_at=as_utc(slot.starts_at),
        ends_at=as_utc(slot.ends_at),
        local_start=local_start(slot.starts_at),
        local_offset=local_offset(slot.starts_at),
        appointment_id=holder,
    )


def _status_words(appointment: Appointment) -> str:
    return AppointmentStatus(appointment.status).label.lower()
