"""The rows the monthly report's prison section reads beside the month's calls (which the
report reads anyway, ``ReportRepo.month_calls``): the appointments of the report's prisons
(already chosen through the caller's scope; for the hub-wide report, every prison of the
hub at once) in one London month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from schemas.codes import AppointmentStatus

from ..scope import Scope
from ..tables import Appointment
from .base import Repo


class PrisonReportRepo(Repo):
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
        return (await self.session.exec(stmt)).all()  # type: ignore[call-overload]
