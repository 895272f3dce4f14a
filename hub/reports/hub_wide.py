"""The hub-wide report (hub administrators only): every commissioner's monthly report in
one run, and the hub's totals over them. ``telehub report monthly --month M --all``,
``GET /api/reports/hub`` and the ``/reports/hub`` page. Each kind of row is read once for
the whole hub and split by commissioner (``hub.reports.hub_read``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from hub.reports.build import build
from hub.reports.engine import ReportService, collector_paused
from hub.reports.hub_read import read_hub
from hub.storage.repos.audit import AuditRepo
from hub.storage.repos.reports import Area, ReportRepo
from hub.storage.scope import Scope
from schemas.reports import (
    Avoided,
    AvoidedCount,
    ClaimedCount,
    CommissionerLine,
    HubReport,
    MonthlyReport,
)

MEASURES = ("ambulance", "ed_attendance", "admission")


async def hub_wide(service: ReportService, scope: Scope, month: str) -> HubReport:
    scope.require_admin()
    async with service.db.session() as s:
        repo = ReportRepo(s, service.clock)
        hub = await repo.hub(scope)
        hub_ods = hub.ods_code if hub else None
        areas = [Area(commissioner=c) for c in await repo.commissioners(scope)]
        read = await read_hub(service, s, scope, areas, month, hub_ods=hub_ods)
        await AuditRepo(s, service.clock).note(
            scope,
            "report_hub_wide",
            target_type="hub",
            target_id=month,
            detail={"month": month, "commissioners": len(areas)},
        )
    with collector_paused():
        built = [build(a.inputs).model_copy(update=a.sections) for a in read]
        lines = [line(r) for r in built]
        return HubReport(
            month=month,
            generated_at=service.clock.now(),
            hub_ods=hub_ods,
            totals=added(lines, hub_ods),
            by_commissioner=lines,
            reports=[service.disclosed(r) for r in built],
        )


def line(report: MonthlyReport) -> CommissionerLine:
    """A commissioner's headline figures, from its unsuppressed report."""
    totals, money = report.totals, report.money
    return CommissionerLine(
        commissioner=report.commissioner or "",
        name=report.area_name,
        sites=sum(1 for site in report.sites if site.on_service),
        calls=_int(totals.calls),
        not_recorded=_int(totals.not_recorded),
        avoided=totals.avoided,
        bed_days_avoided=totals.bed_days_avoided,
        money_gbp=money.total_gbp,
        claimed_basis_gbp=money.claimed_basis_gbp,
    )


def added(lines: list[CommissionerLine], hub_ods: str | None) -> CommissionerLine:
    """The hub's line: every commissioner's added up."""

    def measure(name: str) -> AvoidedCount:
        counts = [getattr(x.avoided, name) for x in lines]
        return AvoidedCount(
            **{
                kind: sum(_int(getattr(c, kind)) for c in counts)
                for kind in ("claimed", "confirmed", "unverified", "refuted")
            }
        )

    return CommissionerLine(
        commissioner=hub_ods or "",
        name="Whole hub",
        sites=sum(x.sites for x in lines),
        calls=sum(x.calls for x in lines),
        not_recorded=sum(x.not_recorded for x in lines),
        avoided=Avoided(
            **{name: measure(name) for name in MEASURES},
            gp_contact=ClaimedCount(claimed=sum(_int(x.avoided.gp_contact.claimed) for x in lines)),
        ),
        bed_days_avoided=_sum(x.bed_days_avoided for x in lines),
        money_gbp=_sum(x.money_gbp for x in lines),
        claimed_basis_gbp=_sum(x.claimed_basis_gbp for x in lines),
    )


def _int(value: int | str) -> int:
    assert isinstance(value, int), "the hub's lines are built from unsuppressed reports"
    return value


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    found = [v for v in values if v is not None]
    return sum(found, Decimal("0")) if found else None
