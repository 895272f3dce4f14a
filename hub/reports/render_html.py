"""The report as HTML: the commissioners' page (``reports/monthly.html``, in the NHS.UK
layout) and a standalone document for saving and printing (``reports/print.html``, which
the PDF is made from). Both include ``reports/_report.html``; charts are inline SVG."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from hub.clock import LONDON, as_utc
from hub.reports import months, svg
from schemas.reports import MonthlyReport

TEMPLATES = Path(__file__).parent.parent / "web" / "templates"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Formats:
    """Number formats the templates use (UK style)."""

    @staticmethod
    def money(value: Decimal | None) -> str:
        return "—" if value is None else f"£{value:,.2f}"

    @staticmethod
    def number(value: float | Decimal | None, places: int = 1) -> str:
        if value is None:
            return "—"
        return f"{value:,.{places}f}"

    @staticmethod
    def whole(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    @staticmethod
    def percent(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    @staticmethod
    def month(value: str) -> str:
        return months.label(value)

    @staticmethod
    def day(value: date | None) -> str:
        return "—" if value is None else f"{value.day} {value:%B %Y}"

    @staticmethod
    def moment(value: datetime) -> str:
        return f"{as_utc(value).astimezone(LONDON):%d %B %Y %H:%M} (UK time)"


def context(report: MonthlyReport) -> dict[str, Any]:
    """What the report templates read: the report, formats and the charts."""
    charts: dict[str, Any] = {
        "hours": svg.bars(
            report.calls.by_hour, [f"{h:02d}" for h in range(24)], "Calls by hour of day (UK time)"
        ),
        "weekdays": svg.bars(
            report.calls.by_weekday, WEEKDAYS, "Calls by day of the week", width=320
        ),
        "area_calls": svg.xmr(report.spc_calls) if report.spc_calls else None,
        "area_admissions": (
            svg.xmr(report.spc_avoided_admissions) if report.spc_avoided_admissions else None
        ),
        "sites": {
            s.ods: svg.xmr(s.spc_calls, width=480, height=180)
            for s in report.sites
            if s.spc_calls and (s.engagement_watch or len(report.sites) == 1)
        },
    }
    return {
        "report": report,
        "f": Formats,
        "charts": charts,
        "title": f"Monthly report, {report.area_name}, {months.label(report.month)}",
        "weekdays": WEEKDAYS,
    }


@functools.cache
def environment() -> jinja2.Environment:
    """A Jinja environment for rendering outside a request (CLI, PDF)."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(TEMPLATES),
                jinja2.PackageLoader("nhsuk_frontend_jinja", "templates"),
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "jinja"]),
        undefined=jinja2.StrictUndefined,
    )


def render_document(report: MonthlyReport) -> str:
    """A standalone HTML document of the report (styles inline, no scripts)."""
    return environment().get_template("reports/print.html").render(context(report))
