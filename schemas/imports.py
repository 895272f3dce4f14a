"""The three CSV files a hub administrator imports, one row model each, and the summary an
import returns. Column names are the field names, in order (``columns()``).

- calls: a historical call log; ``call_id`` is the idempotency key.
- activity: hospital activity per site per month.
- sites: sites and their commissioners, keyed by ODS code.
- register: the palliative (Gold Line) register, a person by site and NHS number.
- deaths: deaths of people on the register, by NHS number.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from .api import OdsCode, Query
from .bounds import Counted
from .codes import (
    Channel,
    Disposition,
    Escalation,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    Reason,
    SiteKind,
)
from .nhs import NhsNumber
from .palliative import DeathPlace, GoldLineOutcome, RegisterFields, gold_line_problem
from .reports import Month


def _empty_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _split_codes(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


EmptyIsNone = BeforeValidator(_empty_is_none)


class ImportKind(StrEnum):
    CALLS = "calls"
    ACTIVITY = "activity"
    SITES = "sites"
    REGISTER = "register"
    DEATHS = "deaths"


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    OPTIONAL: ClassVar[tuple[str, ...]] = ()
    """Columns a file may leave out (read as empty in every row): added after files of the
    kind were in use."""

    @classmethod
    def columns(cls) -> list[str]:
        return list(cls.model_fields)

    @classmethod
    def optional_columns(cls) -> list[str]:
        return list(cls.OPTIONAL)


class CallRow(Row):
    call_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    site_ods: OdsCode
    site_kind: SiteKind
    channel: Channel
    started_at: AwareDatetime
    answered_at: Annotated[AwareDatetime | None, EmptyIsNone] = None
    ended_at: Annotated[AwareDatetime | None, EmptyIsNone] = None
    nhs_number: Annotated[NhsNumber | None, EmptyIsNone] = None
    reason: Reason
    home_intent: HomeIntent
    nurse_counterfactual: NurseCounterfactual
    disposition: Disposition
    escalations: Annotated[list[Escalation], BeforeValidator(_split_codes)] = Field(
        default_factory=list
    )
    ed_within_72h: FollowUpAnswer
    admitted_within_72h: FollowUpAnswer
    gold_line_outcome: Annotated[GoldLineOutcome | None, EmptyIsNone] = Field(
        default=None,
        description="what a gold_line call led to: required for one, empty for any other",
    )

    OPTIONAL: ClassVar[tuple[str, ...]] = ("gold_line_outcome",)

    @model_validator(mode="after")
    def _in_order(self) -> CallRow:
        if self.answered_at is not None and self.answered_at < self.started_at:
            raise ValueError("answered_at is before started_at")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        problem = gold_line_problem(self.channel, self.gold_line_outcome, self.disposition)
        if problem is not None:
            raise ValueError(f"gold_line_outcome: {problem}")
        return self


Whole = Annotated[int, Field(ge=0, le=10_000_000)]


class ActivityRow(Row):
    site_ods: OdsCode
    month: Month
    ed_attendances: Whole
    emergency_admissions: Whole
    bed_days: Whole
    residents: Whole


class SiteRow(Row):
    site_ods: OdsCode
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    site_kind: SiteKind
    beds: Annotated[Annotated[int, Field(ge=0, le=1000)] | None, EmptyIsNone] = None
    commissioner_ods: OdsCode
    go_live: Annotated[date | None, EmptyIsNone] = None


class RegisterRow(Row, RegisterFields):
    """A person's palliative register entry; every column is named (a code, or a date or
    contact left empty)."""

    site_ods: OdsCode
    nhs_number: NhsNumber

    @model_validator(mode="before")
    @classmethod
    def _empty_cells(cls, raw: Any) -> Any:
        """An empty cell is a date or contact not given."""
        if isinstance(raw, dict):
            return {key: _empty_is_none(value) for key, value in raw.items()}
        return raw

    @classmethod
    def columns(cls) -> list[str]:
        return ["site_ods", "nhs_number", *RegisterFields.model_fields]


class DeathRow(Row):
    nhs_number: NhsNumber
    died_on: date
    place: DeathPlace


ROWS: dict[ImportKind, type[Row]] = {
    ImportKind.CALLS: CallRow,
    ImportKind.ACTIVITY: ActivityRow,
    ImportKind.SITES: SiteRow,
    ImportKind.REGISTER: RegisterRow,
    ImportKind.DEATHS: DeathRow,
}


class RowError(BaseModel):
    line: Counted = Field(description="line of the file, the header being line 1")
    reason: str


class ImportSummary(BaseModel):
    kind: ImportKind
    rows: Counted = Field(description="data rows read (the header not counted)")
    imported: Counted = Field(description="rows written as new records")
    updated: Counted = Field(default=0, description="existing records changed (activity, sites)")
    already_present: Counted = Field(description="rows that changed nothing")
    skipped: Counted = Field(description="invalid rows left out (only with --skip-invalid)")
    created_sites: list[str] = Field(default_factory=list)
    converted_failures: Counted = Field(
        default=0,
        description="call rows with the retired disposition call_failed_technical, stored as "
        "not_recorded with a call-quality record that says the call ended by failure",
    )
    errors: list[RowError] = Field(default_factory=list)
    written: bool = Field(description="False: the file had invalid rows and nothing was written")

    def describe(self) -> str:
        if not self.written:
            return (
                f"Nothing imported: {len(self.errors)} invalid row(s) in {self.rows} "
                "(fix them, or pass --skip-invalid to import the rest)."
            )
        parts = [f"{self.imported} imported"]
        if self.kind is not ImportKind.CALLS:
            parts.append(f"{self.updated} updated")
        parts += [f"{self.already_present} already present", f"{self.skipped} skipped"]
        if self.converted_failures:
            parts.append(
                f"{self.converted_failures} call_failed_technical stored as not recorded "
                "clinically, ended by failure"
            )
        text = f"{self.kind.value}: {self.rows} rows read; " + ", ".join(parts) + "."
        if self.created_sites:
            shown = ", ".join(self.created_sites[:10])
            more = (
                "" if len(self.created_sites) <= 10 else f" and {len(self.created_sites) - 10} more"
            )
            text += f" New organisations: {shown}{more}."
        return text


class ImportQuery(Query):
    kind: ImportKind
    skip_invalid: bool = False
