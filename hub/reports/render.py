"""One report, any format: the bytes and the media type the CLI and the API hand out."""

from __future__ import annotations

from schemas.reports import MonthlyReport, ReportFormat

MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv",
    ReportFormat.CSV_LONG: "text/csv",
    ReportFormat.HTML: "text/html",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.FHIR: "application/fhir+json",
}
EXTENSIONS = {
    ReportFormat.JSON: "json",
    ReportFormat.CSV: "csv",
    ReportFormat.CSV_LONG: "long.csv",
    ReportFormat.HTML: "html",
    ReportFormat.PDF: "pdf",
    ReportFormat.FHIR: "fhir.json",
}


def render(report: MonthlyReport, format: ReportFormat, *, base_url: str) -> bytes:
    match format:
        case ReportFormat.JSON:
            return report.model_dump_json(indent=2).encode()
        case ReportFormat.CSV:
            from .render_tables import render_tables

            return render_tables(report).encode()
        case ReportFormat.CSV_LONG:
            from .render_csv import render_csv

            return render_csv(report).encode()
        case ReportFormat.HTML:
            from .render_html import render_document

            return render_document(report).encode()
        case ReportFormat.PDF:
            from .render_pdf import render_pdf

            return render_pdf(report)
        case ReportFormat.FHIR:
            from .render_fhir import render_fhir

            return render_fhir(report, base_url=base_url).encode()


def filename(report: MonthlyReport, format: ReportFormat) -> str:
    subject = report.site or report.commissioner or "report"
    return f"telehub-{subject}-{report.month}.{EXTENSIONS[format]}"
