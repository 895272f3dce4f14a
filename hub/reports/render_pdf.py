"""The report as PDF: WeasyPrint lays out the standalone HTML document (charts stay vector
SVG). Rendering takes a second or so, so callers in the event loop run it in a thread."""

from __future__ import annotations

from schemas.reports import MonthlyReport

from .render_html import TEMPLATES, render_document


def render_pdf(report: MonthlyReport) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango and fonts

    html = HTML(string=render_document(report), base_url=str(TEMPLATES))
    pdf = html.write_pdf()
    assert pdf is not None
    return bytes(pdf)
