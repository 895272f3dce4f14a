"""The pieces every part of a report is made of: the month, the query and the format, the
report model base, the count that small-number suppression may replace, and a breakdown row."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from .api import SPACE, OdsCode
from .bounds import Counted

# Years 1900-2999: a report reads two years back and a month ahead, which must stay dates.
_YEAR = "(19|2[0-9])[0-9]{2}"
_MONTH = re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2])$")


def _month(value: str) -> str:
    if not _MONTH.match(value.strip(SPACE)):
        raise ValueError("a month is YYYY-MM from 1900 to 2999, e.g. 2026-10")
    return value.strip(SPACE)


Month = Annotated[
    str,
    AfterValidator(_month),
    WithJsonSchema({"type": "string", "pattern": f"^[{SPACE}]*{_YEAR}-(0[1-9]|1[0-2])[{SPACE}]*$"}),
]


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"  # one table per section (hub.reports.render_tables)
    CSV_LONG = "csv-long"  # one figure per row
    HTML = "html"
    PDF = "pdf"
    FHIR = "fhir"


class MonthlyReportQuery(BaseModel):
    """Which report: one commissioner's area, or one site, for one month."""

    model_config = ConfigDict(extra="forbid")

    month: Month
    commissioner: OdsCode | None = None
    site: OdsCode | None = None
    format: ReportFormat = ReportFormat.JSON

    @model_validator(mode="after")
    def _one_subject(self) -> MonthlyReportQuery:
        if self.commissioner and self.site:
            raise ValueError("name a commissioner or a site, not both")
        return self


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)


SMALL: Final = "<8"
"""A count of 1 to 7, not shown (small-number suppression, docs/report-method.md §6)."""
WITHHELD: Final = "*"
"""A count of 8 or more withheld so that a small one cannot be worked out from a total."""
Tally = Counted | Literal["<8", "*"]
"""A count of people or calls: a whole number, or "<8" / "*" in a suppressed report."""


class Disclosure(Report):
    """Which small-number rule the report was produced under."""

    suppressed: bool
    rule: str = Field(description="the rule applied, in words, or why none was")
    withheld: list[str] = Field(
        default_factory=list, description="paths of figures not shown (suppressed or derived)"
    )


class Count(Report):
    """One row of a breakdown: a code, its label and how many."""

    code: str
    label: str
    count: Tally
