"""Tables of the palliative (Gold Line) register: one row per version of a person's entry
(never updated: a change is a new version), and one row per death the hub learns of."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class PalliativeEntry(SQLModel, table=True):
    """One version of a person's register entry. The current entry is the highest version;
    earlier versions are the history. Codes are ``schemas.palliative``'s."""

    __tablename__ = "palliative_entry"
    __table_args__ = (UniqueConstraint("person_id", "version", name="uq_palliative_version"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    version: int
    preferred_place_of_care: str = Field(max_length=16)
    preferred_place_of_death: str = Field(max_length=16)
    respect_status: str = Field(max_length=32)
    respect_date: date | None = None
    anticipatory_medicines: str = Field(max_length=8)
    anticipatory_medicines_date: date | None = None
    district_nurse_team: str | None = Field(default=None, max_length=200)
    gp_practice: str | None = Field(default=None, max_length=200)
    hospice: str | None = Field(default=None, max_length=200)
    lpa_health: str = Field(max_length=8)
    joined_on: date
    source: str = Field(max_length=8)
    recorded_by: int | None = Field(default=None, foreign_key="hub_user.id")
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Death(SQLModel, table=True):
    """A version of a person's death as the hub learnt of it (a nurse, or an import): the
    day and the actual place, set against the register's preferred place in the reports.
    Amend-only: a correction is the next version, with its reason; the current death is the
    highest version (``repos.palliative.current_deaths``), and earlier ones are kept."""

    __tablename__ = "death"
    __table_args__ = (UniqueConstraint("person_id", "version", name="uq_death_version"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    version: int = 1
    died_on: date = Field(index=True)
    place: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)  # a correction's; never logged
    source: str = Field(max_length=8)
    recorded_by: int | None = Field(default=None, foreign_key="hub_user.id")
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
