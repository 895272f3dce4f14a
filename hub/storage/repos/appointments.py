"""Clinic sessions, their slots and the appointments booked in them.

A slot is held by at most one appointment: ``appointment.live_slot_id`` is unique, so of
two bookings racing for one slot the database lets one insert through and refuses the
other (an IntegrityError the service turns into a 409). Status changes are conditional
UPDATEs, so two people cancelling or marking one appointment at once give one winner; so is
each reminder's claim (``claim_notice``), so the timers of several hub processes send it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import col, select, update

from hub.errors import NotFound

from ..scope import Scope
from ..tables import Appointment, ClinicSession, ClinicSlot, User
from .base import Repo

NoticeColumn = Literal["reminded_before_at", "reminded_at", "late_flagged_at"]
"""The columns that record a reminder or late flag as sent."""


class ClinicRepo(Repo):
    async def add(self, clinic: ClinicSession, slots: Iterable[ClinicSlot]) -> ClinicSession:
        self.session.add(clinic)
        await self.session.flush()
        for slot in slots:
            slot.clinic_id = clinic.id or 0
            self.session.add(slot)
        await self.session.flush()
        return clinic

    async def get(self, scope: Scope, *, clinic_id: int) -> ClinicSession:
        scope.require_hub()
        clinic = await self.session.get(ClinicSession, clinic_id)
        if clinic is None:
            raise NotFound("No such clinic")
        return clinic

    async def listed(
        self, scope: Scope, *, since: datetime | None = None, until: datetime | None = None
    ) -> Sequence[ClinicSession]:
        """Clinics with a slot in [since, until), earliest first (hub staff only)."""
        scope.require_hub()
        stmt = select(ClinicSession)
        if since is not None or until is not None:
            starts = select(col(ClinicSlot.clinic_id))
            if since is not None:
                starts = starts.where(col(ClinicSlot.starts_at) >= since)
            if until is not None:
                starts = starts.where(col(ClinicSlot.starts_at) < until)
            stmt = stmt.where(col(ClinicSession.id).in_(starts))
        stmt = stmt.order_by(col(ClinicSession.day), col(ClinicSession.id))
        return (await self.session.exec(stmt)).all()

    async def slots_of(self, *, clinic_ids: Sequence[int]) -> Sequence[ClinicSlot]:
        if not clinic_ids:
            return []
        stmt = (
            select(ClinicSlot)
            .where(col(ClinicSlot.clinic_id).in_(clinic_ids))
            .order_by(col(ClinicSlot.starts_at))
        )
        return (await self.session.exec(stmt)).all()

    async def slot(self, *, slot_id: int) -> tuple[ClinicSlot, ClinicSession]:
        """A slot and its clinic (no clinical data: bookable times only)."""
        slot = await self.session.get(ClinicSlot, slot_id)
        if slot is None:
            raise NotFound("No such slot", field="slot_id")
        clinic = await self.session.get(ClinicSession, slot.clinic_id)
        assert clinic is not None
        return slot, clinic

    async def clinicians(self, *, user_ids: Iterable[int]) -> dict[int, User]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        users = (await self.session.exec(select(User).where(col(User.id).in_(ids)))).all()
        return {u.id or 0: u for u in users}


class AppointmentRepo(Repo):
    async def add(self, appointment: Appointment) -> Appointment:
        """Insert a booking; raises IntegrityError if its slot is already held."""
        self.session.add(appointment)
        await self.session.flush()
        return appointment

    async def get(self, scope: Scope, *, appointment_id: int) -> Appointment:
        scope.require_clinical()
        found = (
            await self.session.exec(
                select(Appointment).where(
                    col(Appointment.id) == appointment_id,
                    scope.site_clause(Appointment.site_id),
                    scope.person_clause(Appointment.person_id),
                )
            )
        ).first()
        if found is None:
            raise NotFound("No such appointment")
        return found

    async def listed(
        self,
        scope: Scope,
        *,
        site_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        statuses: Iterable[str] | None = None,
    ) -> Sequence[Appointment]:
        """Appointments the scope may see, by slot time."""
        scope.require_clinical()
        stmt = select(Appointment).where(
            scope.site_clause(Appointment.site_id), scope.person_clause(Appointment.person_id)
        )
        if site_id is not None:
            stmt = stmt.where(col(Appointment.site_id) == site_id)
        if since is not None:
            stmt = stmt.where(col(Appointment.starts_at) >= since)
        if until is not None:
            stmt = stmt.where(col(Appointment.starts_at) < until)
        if statuses is not None:
            stmt = stmt.where(col(Appointment.status).in_(list(statuses)))
        stmt = stmt.order_by(col(Appointment.starts_at), col(Appointment.id))
        return (await self.session.exec(stmt)).all()

    async def of_clinic(self, scope: Scope, *, clinic_id: int) -> Sequence[Appointment]:
        """A clinic's appointments by slot time (its waiting room: hub staff)."""
        scope.require_hub()
        stmt = (
            select(Appointment)
            .where(col(Appointment.clinic_id) == clinic_id)
            .order_by(col(Appointment.starts_at))
        )
        return (await self.session.exec(stmt)).all()

    async def booked_between(self, *, since: datetime, until: datetime) -> Sequence[Appointment]:
        """Booked appointments whose slot starts in [since, until] (the reminder timer)."""
        stmt = select(Appointment).where(
            col(Appointment.status) == "booked",
            col(Appointment.starts_at) >= since,
            col(Appointment.starts_at) <= until,
        )
        return (await self.session.exec(stmt)).all()

    async def claim_notice(
        self, *, appointment_id: int, notice: NoticeColumn, at: datetime
    ) -> bool:
        """Claim the sending of one reminder or late flag: one conditional UPDATE that
        stamps ``notice`` only while it is unset and the appointment still booked, so of two
        timers deciding at once (another hub process) one claims it. The claim commits with
        the caller's transaction; the caller sends only what it claimed, after the commit.
        A reminder at the slot time also stamps the one before, which is then past due."""
        column = getattr(Appointment, notice)
        values: dict[str, Any] = {notice: at}
        if notice == "reminded_at":
            values["reminded_before_at"] = func.coalesce(col(Appointment.reminded_before_at), at)
        stmt = (
            update(Appointment)
            .where(col(Appointment.id) == appointment_id)
            .where(col(Appointment.status) == "booked")
            .where(col(column).is_(None))
            .values(**values)
        )
        result = await self.session.exec(stmt)
        return result.rowcount == 1

    async def holders(self, *, slot_ids: Sequence[int]) -> dict[int, int]:
        """slot id -> the appointment holding it."""
        if not slot_ids:
            return {}
        rows = await self.session.exec(
            select(Appointment.live_slot_id, Appointment.id).where(
                col(Appointment.live_slot_id).in_(slot_ids)
            )
        )
        return {slot: appointment for slot, appointment in rows if slot is not None and appointment}

    async def move(
        self, *, appointment_id: int, sources: Iterable[str], target: str, **values: Any
    ) -> bool:
        """Change an appointment's status only if it is in one of ``sources``: one
        conditional UPDATE, so of two racing changes one wins. True if it moved."""
        stmt = (
            update(Appointment)
            .where(col(Appointment.id) == appointment_id)
            .where(col(Appointment.status).in_(list(sources)))
            .values(status=target, **values)
        )
        result = await self.session.exec(stmt)
        return result.rowcount == 1
