"""The palliative (Gold Line) register: a person's preferences and plans in their last year of
life, kept as versions (every change is a new version; none is overwritten), and the death
when the hub learns of it. Codes never change meaning; labels may be reworded. Documented in
docs/report-method.md."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from .api import Body, Public
from .bounds import Counted, RowId
from .codes import Channel, Disposition, LabelledEnum, ResuscitationStatus


class CarePlace(LabelledEnum):
    """A preferred place of care, or of death."""

    HOME = "home", "Home"
    CARE_HOME = "care_home", "Care home"
    HOSPICE = "hospice", "Hospice"
    HOSPITAL = "hospital", "Hospital"
    NO_PREFERENCE = "no_preference", "No preference"
    NOT_DISCUSSED = "not_discussed", "Not discussed"


class DeathPlace(LabelledEnum):
    """Where a person actually died."""

    HOME = "home", "Home"
    CARE_HOME = "care_home", "Care home"
    HOSPICE = "hospice", "Hospice"
    HOSPITAL = "hospital", "Hospital"
    OTHER = "other", "Somewhere else"
    UNKNOWN = "unknown", "Not known"

    def matches(self, preferred: CarePlace) -> bool:
        """Whether this is the preferred place (a stated place: not "no preference" or "not
        discussed", which no death matches)."""
        return self.value == preferred.value


class GoldLineOutcome(LabelledEnum):
    """What a Gold Line call led to, as the service reports it (recorded at wrap-up, for
    Gold Line calls only). ``fits``: the dispositions this outcome is consistent with; empty
    where no existing disposition fits (any disposition may go with it)."""

    RESOLVED_BY_HUB = "resolved_by_hub", "Resolved by the hub alone"
    DISTRICT_NURSES = "district_nurses", "Passed to the district nurses"
    GP_OR_OUT_OF_HOURS = "gp_or_out_of_hours", "Passed to the GP or out-of-hours doctor"
    HOSPICE = "hospice", "Passed to the hospice"
    AMBULANCE = "ambulance", "Ambulance"
    OTHER = "other", "Other"

    @property
    def fits(self) -> frozenset[Disposition]:
        return GOLD_LINE_FITS[self]


GOLD_LINE_FITS: dict[GoldLineOutcome, frozenset[Disposition]] = {
    GoldLineOutcome.RESOLVED_BY_HUB: frozenset(
        {
            Disposition.MANAGED_IN_PLACE,
            Disposition.PALLIATIVE_SUPPORT,
            Disposition.SPECIALIST_ADVICE,
            Disposition.DIED_EXPECTED,
        }
    ),
    GoldLineOutcome.DISTRICT_NURSES: frozenset({Disposition.DISTRICT_NURSE}),
    GoldLineOutcome.GP_OR_OUT_OF_HOURS: frozenset({Disposition.GP_FOLLOWUP, Disposition.OOH_GP}),
    GoldLineOutcome.HOSPICE: frozenset(),
    GoldLineOutcome.AMBULANCE: frozenset({Disposition.AMBULANCE_999}),
    GoldLineOutcome.OTHER: frozenset(),
}


def gold_line_problem(
    channel: str, outcome: GoldLineOutcome | None, disposition: Disposition
) -> str | None:
    """What is wrong with a call's Gold Line outcome, or None: required for a Gold Line
    call, refused for any other, and one of ``fits`` where an existing disposition fits it.
    The one rule, for the wrap-up (``hub/palliative/outcome.py``) and the call import."""
    if channel == Channel.GOLD_LINE and outcome is None:
        return "Select the Gold Line outcome: what the call led to"
    if channel != Channel.GOLD_LINE and outcome is not None:
        return "Only a Gold Line call records a Gold Line outcome"
    if outcome is not None and outcome.fits and disposition not in outcome.fits:
        fitting = ", ".join(sorted(d.label.lower() for d in outcome.fits))
        return f"{outcome.label} goes with the disposition {fitting}"
    return None


class YesNoUnknown(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class RegisterSource(LabelledEnum):
    CONSOLE = "console", "Recorded on the console"
    IMPORT = "import", "Imported from a file"


def _empty_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _iso_day(value: Any) -> Any:
    """A day is YYYY-MM-DD (or already a date): never a number or a timestamp."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        return value.strip()
    raise ValueError("a date is YYYY-MM-DD")


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _optional_day(value: Any) -> Any:
    return None if value is None else _iso_day(value)


Contact = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None,
    BeforeValidator(_empty_is_none),
]
"""A team or service's name and number (a district nurse team, a GP practice, a hospice)."""
OptionalDate = Annotated[date | None, BeforeValidator(_optional_day)]


class RegisterFields(BaseModel):
    """What the register holds about a person: the body of a new version."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    preferred_place_of_care: CarePlace = CarePlace.NOT_DISCUSSED
    preferred_place_of_death: CarePlace = CarePlace.NOT_DISCUSSED
    respect_status: ResuscitationStatus = ResuscitationStatus.NOT_RECORDED
    respect_date: OptionalDate = Field(
        default=None, description="when the ReSPECT/DNACPR form was signed"
    )
    anticipatory_medicines: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description='"just in case" medicines in the home'
    )
    anticipatory_medicines_date: OptionalDate = Field(
        default=None, description="when the anticipatory medicines were known to be in the home"
    )
    district_nurse_team: Contact = None
    gp_practice: Contact = None
    hospice: Contact = None
    lpa_health: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="a lasting power of attorney for health"
    )
    joined_on: IsoDay = Field(description="the day the person joined the register")


class RegisterChange(RegisterFields, Body):
    """A nurse's change to the register: the whole new version, and the version it replaces
    (0 for the first), so two nurses editing at once cannot silently overwrite each other."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    base_version: Counted = Field(default=0, strict=True)


class RegisterVersion(RegisterFields, Public):
    model_config = ConfigDict(from_attributes=True)

    version: Counted
    recorded_by_name: str
    recorded_at: datetime
    source: RegisterSource


class DeathCreate(Body):
    died_on: IsoDay
    place: DeathPlace


CorrectionReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]


class DeathCorrection(DeathCreate):
    """A correction of a recorded death: the whole corrected record, why, and the version it
    corrects (the current one), so two people correcting at once cannot overwrite each
    other. The corrected version is kept."""

    base_version: RowId = Field(strict=True, description="the current death record's version")
    reason: CorrectionReason = Field(description="why the record was wrong")


class DeathPublic(Public):
    model_config = ConfigDict(from_attributes=True)

    version: RowId = Field(description="1 as first recorded; each correction adds one")
    died_on: date
    place: DeathPlace
    reason: str | None = Field(default=None, description="a correction's reason")
    recorded_by_name: str
    recorded_at: datetime
    source: RegisterSource


class PalliativeRecord(BaseModel):
    """A person's entry on the register: the current version, every earlier one (newest
    first), and the death if recorded (its current version, and every version)."""

    person_id: RowId
    current: RegisterVersion | None
    history: list[RegisterVersion] = Field(description="every version, newest first")
    death: DeathPublic | None = None
    death_history: list[DeathPublic] = Field(
        default_factory=list, description="every version of the death record, newest first"
    )
