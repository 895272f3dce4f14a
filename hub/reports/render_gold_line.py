"""The Gold Line section in the report's CSV tables and FHIR MeasureReport (the page and the
PDF show it from ``templates/reports/_gold_line.html``; the one-figure-per-row CSV flattens
it with the rest of the JSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from schemas.reports import MonthlyReport, Proportion, Tally

COLUMNS = (
    "calls",
    "calls_with_outcome",
    "calls_without_outcome",
    "people_supported",
    "deaths",
    "deaths_with_stated_preference",
    "deaths_without_stated_preference",
    "deaths_in_preferred_place",
    "deaths_place_known",
    "deaths_in_hospital",
)
SHARES = ("preferred_place", "hospital")
CALLS_GROUP = "gold-line-calls"
PEOPLE_GROUP = "gold-line-people"
PREFERRED_GROUP = "gold-line-death-in-preferred-place"
HOSPITAL_GROUP = "gold-line-death-in-hospital"
LABELS = {
    CALLS_GROUP: "Gold Line calls, by outcome",
    PEOPLE_GROUP: "People supported by the Gold Line (distinct people with a call)",
    PREFERRED_GROUP: "Deaths of people on the palliative register in their preferred place",
    HOSPITAL_GROUP: "Deaths of people on the palliative register in hospital",
}

Table = tuple[str, Sequence[str], Iterable[Sequence[Any]]]
Population = Callable[[str, Tally, dict[str, str]], dict[str, Any]]


def _share_cells(p: Proportion) -> list[Any]:
    return [p.share, p.lower, p.upper]


def table(report: MonthlyReport) -> list[Table]:
    """``gold_line`` (the month's figures, one row), ``gold_line_outcomes`` (a row per
    outcome code) and ``gold_line_deaths`` (a row per place of death)."""
    g = report.gold_line
    if g is None:
        return []
    head = ["month", "commissioner"]
    at = [report.month, report.commissioner or ""]
    share_columns = [f"{name}_{part}" for name in SHARES for part in ("share", "lower", "upper")]
    columns = [*head, *COLUMNS, *share_columns, "national_hospital_share", "national_source"]
    columns.append("preference_rule")
    row = [*at, *(getattr(g, c) for c in COLUMNS)]
    row += [*_share_cells(g.preferred_place), *_share_cells(g.hospital)]
    row += [g.national_hospital_share, g.national_source, g.preference_rule]
    return [
        ("gold_line", columns, [row]),
        (
            "gold_line_outcomes",
            [*head, "outcome", "label", "calls", "share"],
            [[*at, o.code, o.label, o.count, o.share] for o in g.outcomes],
        ),
        (
            "gold_line_deaths",
            [*head, "place", "label", "deaths"],
            [[*at, d.code, d.label, d.count] for d in g.deaths_by_place],
        ),
    ]


def _score(p: Proportion) -> dict[str, Any]:
    return {} if p.share is None else {"measureScore": {"value": p.share, "unit": "1"}}


def fhir_groups(
    report: MonthlyReport, systems: dict[str, str], population: Population, base: str
) -> list[dict[str, Any]]:
    """Four groups. ``gold-line-calls``: initial population = Gold Line calls, numerator
    = those with an outcome, stratified by outcome code. ``gold-line-people``: initial
    population = the people supported. The two death groups: initial
    population = the month's deaths of people on the register, denominator = those with a
    stated preference (with the place known), numerator = in the preferred place (in
    hospital), the share as the measure score; the deaths stratified by place."""
    g = report.gold_line
    if g is None:
        return []
    stratifier = systems["stratifier"]

    def code(name: str) -> dict[str, Any]:
        return {"coding": [{"system": systems["group"], "code": name}], "text": LABELS[name]}

    def strata(name: str, system: str, rows: Sequence[tuple[str, str, Tally]]) -> dict[str, Any]:
        return {
            "code": [{"coding": [{"system": stratifier, "code": name}]}],
            "stratum": [
                {
                    "value": {"coding": [{"system": system, "code": c}], "text": label},
                    "population": [population("initial-population", count, systems)],
                }
                for c, label, count in rows
            ],
        }

    places = strata(
        "death-place",
        f"{base}/CodeSystem/death-place",
        [(d.code, d.label, d.count) for d in g.deaths_by_place],
    )

    def deaths(
        name: str, denominator: Tally, numerator: Tally, share: Proportion
    ) -> dict[str, Any]:
        return {
            "code": code(name),
            "population": [
                population("initial-population", g.deaths, systems),
                population("denominator", denominator, systems),
                population("numerator", numerator, systems),
            ],
            **_score(share),
            "stratifier": [places],
        }

    return [
        {
            "code": code(CALLS_GROUP),
            "population": [
                population("initial-population", g.calls, systems),
                population("numerator", g.calls_with_outcome, systems),
            ],
            "stratifier": [
                strata(
                    "gold-line-outcome",
                    f"{base}/CodeSystem/gold-line-outcome",
                    [(o.code, o.label, o.count) for o in g.outcomes],
                )
            ],
        },
        {
            "code": code(PEOPLE_GROUP),
            "population": [population("initial-population", g.people_supported, systems)],
        },
        deaths(
            PREFERRED_GROUP,
            g.deaths_with_stated_preference,
            g.deaths_in_preferred_place,
            g.preferred_place,
        ),
        deaths(HOSPITAL_GROUP, g.deaths_place_known, g.deaths_in_hospital, g.hospital),
    ]
