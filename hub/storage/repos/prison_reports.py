"""The rows the monthly report's prison section counts: prison calls and appointments of
the report's prisons (already chosen through the caller's scope; for the hub-wide report,
every prison of the hub at once) in one London month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from schemas.codes import AppointmentStatus, Channel

from ..scope import Scope
from ..tables import Appointment, Call
from .base import Repo


class PrisonReportRepo(Repo):
    async def month_calls(
        self, scope: Scope, *, site_ids: Sequence[int], month: str
    ) -> Sequence[Any]:
        """(site, channel, prison_intent, escort_needed, disposition, ed_72h, admitted_72h)."""
        if not site_ids:
            return []
        stmt = select(
            col(Call.site_id),
            col(Call.channel),
            col(Call.prison_intent),
            col(Call.escort_needed),
            col(Call.disposition),
            col(Call.ed_within_72h),
            col(Call.admitted_within_72h),
        ).where(
            col(Call.local_month) == month,
            col(Call.site_id).in_(list(site_ids)),
            col(Call.channel).in_([Channel.PRISON_URGENT.value, Channel.PRISON_CLINIC.value]),
            scope.site_clause(Call.site_id),
        )
        return (await self.session.execute(stmt)).all()

    async def appointments(
        self,
        scope: Scope,
        *,
        site_ids: Sequence[int],
        since: datetime,
        until: datetime,
    ) -> Sequence[Any]:
        """(site, status, starts_at, booked_at) of appointments held or missed in the range."""
        if not site_ids:
            return []
        stmt = select(
            col(Appointment.site_id),
            col(Appointment.status),
            col(Appointment.starts_at),
            col(Appointment.booked_at),
        ).where(
            col(Appointment.site_id).in_(list(site_ids)),
            col(Appointment.starts_at) >= since,
            col(Appointment.starts_at) < until,
            col(Appointment.status).in_(
                [AppointmentStatus.HELD.value, AppointmentStatus.DID_NOT_ATTEND.value]
            ),
            scope.site_clause(Appointment.site_id),
        )
        return (await self.session.execute(stmt)).all()
