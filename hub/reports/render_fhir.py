"""The report as a FHIR R4 MeasureReport (type ``summary``), built with ``fhir.resources``'
R4B models (the R4 shape; the package's default is R5).

One group per measure (calls; avoided ambulance call-outs, A&E attendances, admissions, GP
contacts). Populations: ``initial-population`` = calls with a clinical outcome (all calls
for the calls group), ``numerator`` = claimed, and our own codes ``confirmed``,
``unverified`` and ``refuted``. Stratifiers split each group by site kind and by site (ODS).
Then connection quality (``render_connection``) and, for an area with a prison, escorts.
The library accepts any code, so every code is checked here against its code system first.

In a report with small numbers suppressed, a count not shown ("<8" or "*") has no ``count``
and carries the data-absent-reason extension with code ``masked``; a stratum adding up
such counts is masked too.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.measurereport import MeasureReport

from hub.reports import render_connection, render_gold_line, render_prisons
from schemas.codes import SiteKind
from schemas.reports import WITHHELD, Avoided, MonthlyReport, Tally

MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
IMPROVEMENT = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
STANDARD_POPULATIONS = frozenset({"initial-population", "numerator", "denominator"})
HUB_POPULATIONS = frozenset(
    {"confirmed", "unverified", "refuted", *render_connection.CONNECTION_POPULATIONS}
)
STATUSES = frozenset({"complete", "pending", "error"})
TYPES = frozenset({"individual", "subject-list", "summary", "data-collection"})
MEASURES = ("ambulance", "ed_attendance", "admission", "gp_contact")
LABELS = {
    "calls": "Calls to the hub",
    "ambulance": "Avoided ambulance call-outs",
    "ed_attendance": "Avoided A&E attendances",
    "admission": "Avoided emergency admissions",
    "gp_contact": "Avoided GP contacts (no confirmation step)",
}


class FhirCodeError(ValueError):
    """A code outside its code system: the report would be invalid FHIR."""


def _systems(base: str) -> dict[str, str]:
    return {
        "population": f"{base}/CodeSystem/avoided-activity-population",
        "group": f"{base}/CodeSystem/avoided-activity-measure",
        "stratifier": f"{base}/CodeSystem/report-stratifier",
        "site_kind": f"{base}/CodeSystem/site-kind",
    }


def _add(values: list[Tally]) -> Tally:
    """The sum of counts, or withheld when any of them is not shown."""
    total = 0
    for value in values:
        if not isinstance(value, int):
            return WITHHELD
        total += value
    return total


def _minus(a: Tally, b: Tally) -> Tally:
    return a - b if isinstance(a, int) and isinstance(b, int) else WITHHELD


def _population(code: str, count: Tally, systems: dict[str, str]) -> dict[str, Any]:
    if code in STANDARD_POPULATIONS:
        system = MEASURE_POPULATION
    elif code in HUB_POPULATIONS:
        system = systems["population"]
    else:
        raise FhirCodeError(f"unknown population code {code!r}")
    coded: dict[str, Any] = {"code": {"coding": [{"system": system, "code": code}]}}
    if isinstance(count, int):
        return coded | {"count": count}
    return coded | {"extension": [{"url": DATA_ABSENT, "valueCode": "masked"}]}


def _populations(
    measure: str, base_count: Tally, avoided: Avoided, systems: dict[str, str]
) -> list[dict[str, Any]]:
    found = [_population("initial-population", base_count, systems)]
    if measure == "calls":
        return found
    counts = getattr(avoided, measure)
    found.append(_population("numerator", counts.claimed, systems))
    if measure != "gp_contact":
        found += [
            _population(name, getattr(counts, name), systems)
            for name in ("confirmed", "unverified", "refuted")
        ]
    return found


def measure_report(report: MonthlyReport, *, base_url: str) -> MeasureReport:
    base = base_url.rstrip("/")
    systems = _systems(base)
    clinical = report.calls.clinical
    kinds = {k.value for k in SiteKind}
    by_kind: dict[str, list[Any]] = {k.value: [] for k in SiteKind}
    for site in report.sites:
        if site.site_kind.value not in kinds:
            raise FhirCodeError(f"unknown site kind {site.site_kind!r}")
        by_kind[site.site_kind.value].append(site)

    groups = []
    for measure in ("calls", *MEASURES):
        if measure != "calls" and measure not in MEASURES:
            raise FhirCodeError(f"unknown measure {measure!r}")

        def counts_of(sites: list[Any], m: str = measure) -> list[dict[str, Any]]:
            calls = _add([s.calls for s in sites])
            clinical_calls = _minus(calls, _add([s.not_recorded for s in sites]))
            total = _sum_avoided([s.avoided for s in sites])
            return _populations(m, calls if m == "calls" else clinical_calls, total, systems)

        groups.append(
            {
                "code": {
                    "coding": [{"system": systems["group"], "code": measure}],
                    "text": LABELS[measure],
                },
                "population": _populations(
                    measure,
                    report.totals.calls if measure == "calls" else clinical,
                    report.totals.avoided,
                    systems,
                ),
                "stratifier": [
                    {
                        "code": [
                            {"coding": [{"system": systems["stratifier"], "code": "site-kind"}]}
                        ],
                        "stratum": [
                            {
                                "value": {
                                    "coding": [{"system": systems["site_kind"], "code": kind}],
                                    "text": SiteKind(kind).label,
                                },
                                "population": counts_of(sites),
                            }
                            for kind, sites in by_kind.items()
                            if sites
                        ],
                    },
                    {
                        "code": [{"coding": [{"system": systems["stratifier"], "code": "site"}]}],
                        "stratum": [
                            {
                                "value": {
                                    "coding": [{"system": ODS, "code": site.ods}],
                                    "text": site.name,
                                },
                                "population": counts_of([site]),
                            }
                            for site in report.sites
                        ],
                    },
                ],
            }
        )
    groups.append(render_connection.fhir_group(report, systems, _population, ODS))
    groups += render_prisons.fhir_groups(report, systems, _population, ODS)
    groups += render_gold_line.fhir_groups(report, systems, _population, base)
    subject = report.site or report.commissioner or ""
    resource: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "identifier": [{"system": f"{base}/MeasureReport", "value": f"{report.month}/{subject}"}],
        "status": "complete",
        "type": "summary",
        "measure": f"{base}/Measure/avoided-activity",
        "date": report.generated_at.isoformat(),
        "period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat()},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT, "code": "increase"}]},
        "group": groups,
    }
    if report.hub_ods:
        resource["reporter"] = {
            "identifier": {"system": ODS, "value": report.hub_ods},
            "display": "Telehealth hub",
        }
    _check(resource)
    return MeasureReport.model_validate(resource)


def _sum_avoided(items: list[Avoided]) -> Avoided:
    data: dict[str, dict[str, Tally]] = {}
    for measure in MEASURES:
        fields = (
            ("claimed",)
            if measure == "gp_contact"
            else ("claimed", "confirmed", "unverified", "refuted")
        )
        data[measure] = {f: _add([getattr(getattr(a, measure), f) for a in items]) for f in fields}
    return Avoided.model_validate(data)


def _check(resource: dict[str, Any]) -> None:
    if resource["status"] not in STATUSES:
        raise FhirCodeError(f"unknown status {resource['status']!r}")
    if resource["type"] not in TYPES:
        raise FhirCodeError(f"unknown type {resource['type']!r}")


def render_fhir(report: MonthlyReport, *, base_url: str) -> str:
    return measure_report(report, base_url=base_url).model_dump_json(exclude_none=True, indent=2)
