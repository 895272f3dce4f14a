"""The prison section in the report's CSV tables and FHIR MeasureReport (the page and the
PDF show it from ``templates/reports/_prisons.html``; the one-figure-per-row CSV flattens
it with the rest of the JSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from schemas.reports import MonthlyReport, PrisonRow

COLUMNS = (
    "urgent_calls",
    "escort_expected",
    "escorts_avoided_claimed",
    "escorts_avoided_confirmed",
    "escorts_avoided_unverified",
    "helped_there_and_then",
    "recorded_calls",
    "share_helped",
    "appointments_held",
    "appointments_did_not_attend",
    "did_not_attend_rate",
    "mean_days_booking_to_appointment",
)
ESCORT_GROUP = "escort"
ESCORT_LABEL = "Escorted transfers out of prison avoided"

Table = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def table(report: MonthlyReport) -> list[Table]:
    """The ``prisons`` table: one row per prison and one for the area (site_ods empty)."""
    section = report.prisons
    if section is None:
        return []
    head = [report.month, report.commissioner or ""]

    def cells(r: PrisonRow) -> list[Any]:
        return [*head, r.ods, r.name, *(getattr(r, c) for c in COLUMNS)]

    rows = [cells(r) for r in [*section.prisons, section.total]]
    return [("prisons", ["month", "commissioner", "site_ods", "site_name", *COLUMNS], rows)]


def fhir_groups(
    report: MonthlyReport,
    systems: dict[str, str],
    population: Callable[[str, Any, dict[str, str]], dict[str, Any]],
    ods: str,
) -> list[dict[str, Any]]:
    """One group: initial population = urgent prison calls, numerator = escorts avoided
    claimed, then confirmed and unverified; stratified by prison (ODS)."""
    section = report.prisons
    if section is None:
        return []

    def populations(r: PrisonRow) -> list[dict[str, Any]]:
        return [
            population("initial-population", r.urgent_calls, systems),
            population("numerator", r.escorts_avoided_claimed, systems),
            population("confirmed", r.escorts_avoided_confirmed, systems),
            population("unverified", r.escorts_avoided_unverified, systems),
        ]

    return [
        {
            "code": {
                "coding": [{"system": systems["group"], "code": ESCORT_GROUP}],
                "text": ESCORT_LABEL,
            },
            "population": populations(section.total),
            "stratifier": [
                {
                    "code": [{"coding": [{"system": systems["stratifier"], "code": "site"}]}],
                    "stratum": [
                        {
                            "value": {"coding": [{"system": ods, "code": r.ods}], "text": r.name},
                            "population": populations(r),
                        }
                        for r in section.prisons
                    ],
                }
            ],
        }
    ]
