"""Commissioner reports (JSON, CSV, PDF, FHIR, HTML; and the /reports page) and the hub
administrator's imports (an upload page and an API). Commissioners see their own area only;
care-home staff and tablets cannot open reports."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from pydantic import ValidationError

from hub import months
from hub.clock import london_month
from hub.errors import InvalidInput, invalid_input
from hub.imports.service import ImportService
from hub.keys import CLOCK, DATABASE, SETTINGS
from hub.reports.engine import ReportService
from hub.reports.hub_wide import hub_wide
from hub.reports.render import MEDIA_TYPES, filename, render
from hub.reports.render_html import context
from hub.services import SERVICES
from hub.storage.repos.reports import ReportRepo
from schemas.codes import Role
from schemas.imports import ImportKind, ImportQuery, ImportSummary
from schemas.reports import (
    HubReport,
    HubReportQuery,
    MonthlyReport,
    MonthlyReportQuery,
    ReportFormat,
)

from .access import allow, principal_of
from .bodies import unreadable_form
from .contract import BINARY, Content, Reply, api

routes = web.RouteTableDef()
READERS = (Role.COMMISSIONER, Role.HUB_NURSE, Role.SPECIALIST, Role.HUB_ADMIN)
CHUNK = 1 << 20
TEXT: dict[str, Any] = {"type": "string"}
REPORT_FILES = (
    Content(MEDIA_TYPES[ReportFormat.CSV], TEXT),
    Content(MEDIA_TYPES[ReportFormat.HTML], TEXT),
    Content(MEDIA_TYPES[ReportFormat.PDF], BINARY),
    Content(MEDIA_TYPES[ReportFormat.FHIR], {"type": "object", "description": "a FHIR Bundle"}),
)


def report_service(request: web.Request) -> ReportService:
    return request.app[SERVICES].reports


def _imports(request: web.Request) -> ImportService:
    return request.app[SERVICES].imports


def _query(request: web.Request, **defaults: str) -> MonthlyReportQuery:
    raw = defaults | {k: v for k, v in request.query.items() if v != ""}
    try:
        return MonthlyReportQuery.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input(exc) from None


async def _report(request: web.Request, query: MonthlyReportQuery) -> MonthlyReport:
    return await report_service(request).monthly(principal_of(request).scope, query)


@routes.get("/api/reports/monthly")
@allow(*READERS)
@api(
    "The monthly report for a commissioner's area or one site",
    tag="reports",
    replies=(Reply(200, "The report in the format asked for", MonthlyReport, REPORT_FILES),),
    rules="name a commissioner or a site, not both",
)
async def monthly(request: web.Request, query: MonthlyReportQuery) -> web.Response:
    """The monthly report: ?month=YYYY-MM&commissioner=ODS (or &site=ODS)
    &format=json|csv|pdf|fhir|html. JSON is ``schemas.reports.MonthlyReport``."""
    report = await _report(request, query)
    if query.format is ReportFormat.JSON:
        return web.json_response(report.model_dump(mode="json"))
    base_url = str(request.app[SETTINGS].public_base_url)
    body = await asyncio.to_thread(render, report, query.format, base_url=base_url)
    headers = {}
    if query.format is not ReportFormat.HTML:
        headers["Content-Disposition"] = f'attachment; filename="{filename(report, query.format)}"'
    return web.Response(
        body=body, content_type=MEDIA_TYPES[query.format], charset=None, headers=headers
    )


@routes.get("/reports")
@allow(*READERS)
async def reports_page(request: web.Request) -> web.Response:
    scope = principal_of(request).scope
    app = request.app
    async with app[DATABASE].session() as s:
        commissioners = list(await ReportRepo(s, app[CLOCK]).commissioners(scope))
    last_month = months.shift(london_month(app[CLOCK].now()), -1)
    defaults = {"month": last_month}
    if commissioners and "site" not in request.query:
        defaults["commissioner"] = commissioners[0].ods_code
    report = await _report(request, _query(request, **defaults))
    page: dict[str, Any] = context(report) | {
        "principal": principal_of(request),
        "commissioners": commissioners,
    }
    return aiohttp_jinja2.render_template("reports/monthly.html", request, page)


# -- the hub-wide report (hub administrator) ----------------------------------------------


@routes.get("/api/reports/hub")
@allow(Role.HUB_ADMIN)
@api(
    "Every commissioner's monthly report in one run, and the hub totals",
    tag="reports",
    replies=(Reply(200, "The hub-wide report", HubReport),),
)
async def hub_report(request: web.Request, query: HubReportQuery) -> web.Response:
    """The hub-wide report for ?month=YYYY-MM: ``schemas.reports.HubReport``."""
    report = await hub_wide(report_service(request), principal_of(request).scope, query.month)
    return web.json_response(report.model_dump(mode="json"))


@routes.get("/reports/hub")
@allow(Role.HUB_ADMIN)
async def hub_report_page(request: web.Request) -> web.Response:
    app = request.app
    raw = {"month": months.shift(london_month(app[CLOCK].now()), -1)} | {
        k: v for k, v in request.query.items() if k == "month" and v != ""
    }
    try:
        query = HubReportQuery.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input(exc) from None
    report = await hub_wide(report_service(request), principal_of(request).scope, query.month)
    page = {
        "title": f"Hub-wide report, {months.label(report.month)}",
        "principal": principal_of(request),
        "report": report,
        "month_label": months.label(report.month),
    }
    return aiohttp_jinja2.render_template("reports/hub.html", request, page)


# -- imports (hub administrator) ----------------------------------------------------------


def _kind(value: str | None) -> ImportKind:
    try:
        return ImportKind(value or "")
    except ValueError:
        known = ", ".join(k.value for k in ImportKind)
        raise InvalidInput(f"kind must be one of {known}", field="kind") from None


async def _save(source: BodyPartReader | web.Request, path: Path) -> int:
    """Stream an upload to ``path`` (uploads may be far larger than a request body limit)."""
    handle = await asyncio.to_thread(path.open, "wb")
    size = 0
    try:
        while True:
            if isinstance(source, BodyPartReader):
                chunk = await source.read_chunk(CHUNK)
            else:
                chunk = await source.content.read(CHUNK)
            if not chunk:
                return size
            size += len(chunk)
            await asyncio.to_thread(handle.write, chunk)
    finally:
        await asyncio.to_thread(handle.close)


async def _run_import(
    request: web.Request, kind: ImportKind, path: Path, skip_invalid: bool
) -> ImportSummary:
    return await _imports(request).run(
        principal_of(request).scope, kind, path, skip_invalid=skip_invalid
    )


@routes.post("/api/imports")
@allow(Role.HUB_ADMIN)
@api(
    "Import a CSV of calls, activity or sites",
    tag="imports",
    upload=Content("text/csv", TEXT),
    rules="the CSV must have a header row and valid rows (422 lists the invalid ones)",
    replies=(
        Reply(200, "Written; the summary", ImportSummary),
        Reply(422, "Nothing written; the invalid rows", ImportSummary),
    ),
)
async def import_api(request: web.Request, query: ImportQuery) -> web.Response:
    """Import a CSV sent as the body: ?kind=calls|activity|sites[&skip_invalid=true].
    200 with the summary when written; 422 with the invalid rows when nothing was."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        await _save(request, path)
        summary = await _run_import(request, query.kind, path, query.skip_invalid)
    return web.json_response(
        summary.model_dump(mode="json"), status=200 if summary.written else 422
    )


def _imports_page(
    request: web.Request, summary: ImportSummary | None = None, error: str | None = None
) -> dict[str, Any]:
    return {
        "title": "Import data",
        "principal": principal_of(request),
        "kinds": list(ImportKind),
        "summary": summary,
        "error": error,
        "columns": {kind.value: ", ".join(row.columns()) for kind, row in _row_models().items()},
    }


def _row_models() -> dict[ImportKind, Any]:
    from schemas.imports import ROWS

    return ROWS


@routes.get("/admin/imports")
@allow(Role.HUB_ADMIN)
@aiohttp_jinja2.template("reports/imports.html")
async def imports_page(request: web.Request) -> dict[str, Any]:
    return _imports_page(request)


@routes.post("/admin/imports")
@allow(Role.HUB_ADMIN)
async def imports_upload(request: web.Request) -> web.Response:
    fields: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        uploaded = False
        with unreadable_form():
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "file":
                    uploaded = await _save(part, path) > 0
                elif part.name:
                    fields[part.name] = (await part.text())[:100]
        if not uploaded:
            page = _imports_page(request, error="Choose a CSV file to import.")
            return aiohttp_jinja2.render_template("reports/imports.html", request, page, status=422)
        kind = _kind(fields.get("kind"))
        summary = await _run_import(request, kind, path, fields.get("skip_invalid") == "yes")
    page = _imports_page(request, summary=summary)
    status = 200 if summary.written else 422
    return aiohttp_jinja2.render_template("reports/imports.html", request, page, status=status)
