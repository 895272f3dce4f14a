"""What the monthly reports read besides calls: imported hospital activity and the per-site,
per-month aggregates kept as calls change.

Times are stored in UTC. Codes are stored as their string values from ``schemas.codes``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from .columns import utc_field


class HospitalActivity(SQLModel, table=True):
    """Imported hospital activity of one site in one calendar month (for the before/after
    comparison in the monthly report). One row per (site, month); a re-import updates it."""

    __tablename__ = "hospital_activity"
    __table_args__ = (UniqueConstraint("site_id", "month", name="uq_hospital_activity_site_month"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="organisation.id")
    month: str = Field(max_length=7, description="YYYY-MM")
    ed_attendances: int
    emergency_admissions: int
    bed_days: int
    residents: int
    imported_at: datetime = utc_field()


class SiteMonth(SQLModel, table=True):
    """The counts every section of the monthly report reads, per site per London month:
    what ``hub.avoided.counts`` says each call adds, kept in the same transaction as every
    change to a call's counted columns (``hub.storage.repos.aggregates.recount``) and
    recomputed from the calls by ``telehub reports rebuild``."""

    __tablename__ = "report_site_month"

    site_id: int = Field(foreign_key="organisation.id", primary_key=True)
    month: str = Field(max_length=7, primary_key=True, description="YYYY-MM, London time")
    calls: int = 0
    technical_failures: int = 0
    no_outcome: int = 0
    ambulance_claimed: int = 0
    ambulance_confirmed: int = 0
    ambulance_unverified: int = 0
    ambulance_refuted: int = 0
    ed_attendance_claimed: int = 0
    ed_attendance_confirmed: int = 0
    ed_attendance_unverified: int = 0
    ed_attendance_refuted: int = 0
    admission_claimed: int = 0
    admission_confirmed: int = 0
    admission_unverified: int = 0
    admission_refuted: int = 0
    gp_contact_claimed: int = 0
