"""Connection quality (method §3a) as one FHIR MeasureReport group, apart from the clinical
measures: initial population = the month's calls; ``dropped`` = calls with a connection
lost and not resumed, ``ended-by-failure`` = calls whose call-quality record says they ended
by failure, ``audio-only`` = calls with time connected by audio alone; stratified by site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas.reports import ConnectionQuality, MonthlyReport

CONNECTION_GROUP = "connection"
CONNECTION_LABEL = "Connection quality (apart from the clinical outcome)"
CONNECTION_POPULATIONS = {
    "dropped": "calls_with_drop",
    "ended-by-failure": "technical_failures",
    "audio-only": "calls_audio_only",
}


def fhir_group(
    report: MonthlyReport,
    systems: dict[str, str],
    population: Callable[[str, Any, dict[str, str]], dict[str, Any]],
    ods: str,
) -> dict[str, Any]:
    def populations(q: ConnectionQuality) -> list[dict[str, Any]]:
        return [
            population("initial-population", q.calls, systems),
            *(
                population(code, getattr(q, name), systems)
                for code, name in CONNECTION_POPULATIONS.items()
            ),
        ]

    return {
        "code": {
            "coding": [{"system": systems["group"], "code": CONNECTION_GROUP}],
            "text": CONNECTION_LABEL,
        },
        "population": populations(report.connection),
        "stratifier": [
            {
                "code": [{"coding": [{"system": systems["stratifier"], "code": "site"}]}],
                "stratum": [
                    {
                        "value": {"coding": [{"system": ods, "code": s.ods}], "text": s.name},
                        "population": populations(s.connection),
                    }
                    for s in report.sites
                ],
            }
        ],
    }
