"""What the monthly report reads. Every method takes the caller's scope first.

Reports are for commissioners (their own area only) and hub staff (any area); care-home
staff and tablets cannot open them. A month's calls are read through the
``(local_month, site_id, …codes)`` index, so a report's cost grows with the month it covers
and the fixed trend window, never with the whole history; the counts over the trend window
and the year to date are the per-site, per-month counts (``report_site_month``), one row per
site and month, never the calls' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlmodel import col
from sqlmodel import select as select_model

from hub import months
from hub.avoided.counts import COUNTS, SitePeriodCounts
from hub.errors import Forbidden, NotFound
from schemas.codes import OrganisationKind, Role

from ..scope import HUB_ROLES, Scope
from ..tables import (
    Call,
    CallEvent,
    CallQualityReport,
    Escalation,
    HospitalActivity,
    Organisation,
    SiteMonth,
)
from .base import Repo

REPORT_ROLES = frozenset(HUB_ROLES | {Role.COMMISSIONER})
_SITE_KINDS = [k.value for k in OrganisationKind if k.is_site]
_SITE_MONTH = SiteMonth.__table__  # type: ignore[attr-defined]
TrendRow = tuple[str, int, int, int]
"""(month, site id, calls, avoided admissions claimed): one site's month on the trend charts."""
FACT_COLUMNS = (
    col(Call.home_intent),
    col(Call.nurse_counterfactual),
    col(Call.disposition),
    col(Call.ed_within_72h),
    col(Call.admitted_within_72h),
)


def require_reports(scope: Scope) -> None:
    if scope.role not in REPORT_ROLES:
        raise Forbidden("Reports are for commissioners and hub staff")


@dataclass(frozen=True, slots=True)
class Area:
    """What a report covers: a commissioner's sites, or one site (with its commissioner)."""

    commissioner: Organisation
    site: Organisation | None = None

    def sites_clause(self, site_column: Any) -> ColumnElement[bool]:
        if self.site is not None:
            return site_column == self.site.id
        return site_column.in_(
            select(col(Organisation.id)).where(
                col(Organisation.commissioner_id) == self.commissioner.id
            )
        )

    def whole(self) -> Area:
        """The commissioner's whole area (all its sites, even when this is one site)."""
        return Area(commissioner=self.commissioner) if self.site is not None else self


@dataclass(frozen=True, slots=True)
class WholeHub:
    """Every commissioner's sites at once: what the hub-wide report reads, each kind of row
    once for the whole hub, to split by commissioner (``hub.reports.hub_read``)."""

    def sites_clause(self, site_column: Any) -> ColumnElement[bool]:
        return site_column.in_(
            select(col(Organisation.id)).where(col(Organisation.commissioner_id).is_not(None))
        )

    def whole(self) -> WholeHub:
        return self


Coverage = Area | WholeHub
"""What a read covers: one area (a commissioner's or one site's), or the whole hub."""


def among(sites: Sequence[int] | WholeHub, site_column: Any) -> ColumnElement[bool]:
    """``site_column`` restricted to the listed sites (a report's, already chosen through
    the caller's scope), or to every commissioner's (the hub-wide report)."""
    if isinstance(sites, WholeHub):
        return sites.sites_clause(site_column)
    return site_column.in_(list(sites))


@dataclass(frozen=True, slots=True)
class CallRecords:
    """What the month's calls left in their child tables, as plain rows, each starting with
    the call's site (to split the hub's rows by commissioner)."""

    escalations: list[tuple[Any, ...]]
    """(site id, call id, code, time, call answered at, call source) of each escalation."""
    drops: list[tuple[Any, ...]]
    """(site id, call id) of each call in which a connection was lost and not resumed (the
    hub's ``participant_dropped`` event), each call once."""
    quality: list[tuple[Any, ...]]
    """(site id, call id, video seconds, audio-only seconds, ended by failure) of each
    call-quality record: each participant's report (``call/quality``), and the hub's record
    of a retired ``call_failed_technical``."""


_ESCALATION, _DROP, _QUALITY = 0, 1, 2  # which table a row of ``month_call_records`` is from


def _null(column: Any) -> ColumnElement[Any]:
    """A typed NULL in place of ``column``: the columns another table's rows leave empty in
    one ``UNION ALL`` (typed, so PostgreSQL can unite them and the values come back as the
    first part's columns would)."""
    return cast(null(), column.type)


class ReportRepo(Repo):
    async def area(
        self, scope: Scope, *, commissioner_ods: str | None = None, site_ods: str | None = None
    ) -> Area:
        """The commissioner's area, or one site; a commissioner may only name their own."""
        require_reports(scope)
        if site_ods:
            site = await self._by_ods(site_ods)
            if site.kind not in _SITE_KINDS:
                raise NotFound(f"{site.ods_code} is not a site", field="site")
            if site.commissioner_id is None:
                raise NotFound(f"Site {site.ods_code} has no commissioner", field="site")
            commissioner = await self.session.get(Organisation, site.commissioner_id)
            assert commissioner is not None
            self._check_area(scope, commissioner)
            return Area(commissioner=commissioner, site=site)
        if not commissioner_ods:
            if scope.role is not Role.COMMISSIONER:
                raise NotFound("Name a commissioner or a site", field="commissioner")
            commissioner = await self.session.get(Organisation, scope.organisation_id)
            if commissioner is None:
                raise NotFound("No such commissioner", field="commissioner")
        else:
            commissioner = await self._by_ods(commissioner_ods)
        if commissioner.kind != OrganisationKind.COMMISSIONER:
            raise NotFound(f"{commissioner.ods_code} is not a commissioner", field="commissioner")
        self._check_area(scope, commissioner)
        return Area(commissioner=commissioner)

    @staticmethod
    def _check_area(scope: Scope, commissioner: Organisation) -> None:
        if scope.role is Role.COMMISSIONER and commissioner.id != scope.organisation_id:
            raise Forbidden("You can only see reports for your own area")

    async def _by_ods(self, ods: str) -> Organisation:
        found = (
            await self.session.exec(
                select_model(Organisation).where(col(Organisation.ods_code) == ods.strip().upper())
            )
        ).first()
        if found is None:
            raise NotFound(f"No organisation with ODS code {ods}", field="ods_code")
        return found

    async def commissioners(self, scope: Scope) -> Sequence[Organisation]:
        """The commissioners the caller may report on."""
        require_reports(scope)
        stmt = select_model(Organisation).where(
            col(Organisation.kind) == OrganisationKind.COMMISSIONER.value
        )
        if scope.role is Role.COMMISSIONER:
            stmt = stmt.where(col(Organisation.id) == scope.organisation_id)
        return (await self.session.exec(stmt.order_by(col(Organisation.name)))).all()

    async def hub(self, scope: Scope) -> Organisation | None:
        require_reports(scope)
        stmt = select_model(Organisation).where(
            col(Organisation.kind) == OrganisationKind.HUB.value
        )
        return (await self.session.exec(stmt.order_by(col(Organisation.id)))).first()

    async def sites(
        self, scope: Scope, area: Coverage, *, whole_area: bool = False
    ) -> Sequence[Organisation]:
        """The area's sites (or the one site); ``whole_area`` gives all the commissioner's.
        For the whole hub: every site with a commissioner that the scope may see."""
        require_reports(scope)
        covered = area.whole() if whole_area else area
        stmt = select_model(Organisation).where(
            col(Organisation.kind).in_(_SITE_KINDS),
            covered.sites_clause(col(Organisation.id)),
            scope.site_clause(col(Organisation.id)),
        )
        return (await self.session.exec(stmt.order_by(col(Organisation.ods_code)))).all()

    async def _rows(
        self, stmt: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """Plain rows of a Core select, run on the session's connection: tens of thousands of
        rows need none of the ORM's per-row loading."""
        connection = await self.session.connection()
        return [tuple(row) for row in (await connection.execute(stmt)).all()]

    def _calls_in(
        self, scope: Scope, area: Coverage, first_month: str, last_month: str
    ) -> ColumnElement[bool]:
        """Calls of the area in these months. The months are listed (not a range) so both
        engines seek the (local_month, site_id) index on both columns: a range on the first
        column would make SQLite read every site's calls in the window."""
        month = col(Call.local_month)
        wanted = months.span(first_month, last_month)
        in_months = month == first_month if len(wanted) == 1 else month.in_(wanted)
        return and_(
            in_months, area.sites_clause(col(Call.site_id)), scope.site_clause(col(Call.site_id))
        )

    async def month_calls(
        self, scope: Scope, area: Coverage, *, month: str
    ) -> list[tuple[Any, ...]]:
        """The month's calls, only the columns a report reads (never clinical free text):
        site, channel, reason, started, answered, the five codes of ``FACT_COLUMNS``, the
        Gold Line outcome and the person, and what a prison said and the nurse recorded of
        an escort (the Gold Line and prison sections count their calls from these rows too,
        rather than reading the month's calls again)."""
        require_reports(scope)
        stmt = select(
            col(Call.site_id),
            col(Call.channel),
            col(Call.reason),
            col(Call.started_at),
            col(Call.answered_at),
            *FACT_COLUMNS,
            col(Call.gold_line_outcome),
            col(Call.person_id),
            col(Call.prison_intent),
            col(Call.escort_needed),
        ).where(self._calls_in(scope, area, month, month))
        return await self._rows(stmt)

    async def month_call_records(self, scope: Scope, area: Coverage, *, month: str) -> CallRecords:
        """The month's calls' escalations, lost connections and call-quality records, in
        one statement: the month's calls (their id is not in the month/site index, so each
        is looked up in the table) are found once, as a common table expression, and each
        of the three tables is probed by their ids (``CallRecords`` says what each row
        holds)."""
        require_reports(scope)
        month_call = (
            select(col(Call.id), col(Call.site_id), col(Call.answered_at), col(Call.source))
            .where(self._calls_in(scope, area, month, month))
            .cte("month_call")
        )
        by_id = month_call.c.id
        no_escalation = (
            _null(Escalation.code),
            _null(Escalation.at),
            _null(Call.answered_at),
            _null(Call.source),
        )
        no_quality = (
            _null(CallQualityReport.video_seconds),
            _null(CallQualityReport.audio_only_seconds),
            _null(CallQualityReport.ended_by_failure),
        )
        escalations = (
            select(
                literal(_ESCALATION),
                month_call.c.site_id,
                col(Escalation.call_id),
                col(Escalation.code),
                col(Escalation.at),
                month_call.c.answered_at,
                month_call.c.source,
                *no_quality,
            )
            .select_from(month_call)
            .join(Escalation, col(Escalation.call_id) == by_id)
        )
        drops = (
            select(literal(_DROP), month_call.c.site_id, by_id, *no_escalation, *no_quality)
            .select_from(month_call)
            .join(CallEvent, col(CallEvent.call_id) == by_id)
            .where(col(CallEvent.kind) == "participant_dropped")
            .distinct()
        )
        quality = (
            select(
                literal(_QUALITY),
                month_call.c.site_id,
                by_id,
                *no_escalation,
                col(CallQualityReport.video_seconds),
                col(CallQualityReport.audio_only_seconds),
                col(CallQualityReport.ended_by_failure),
            )
            .select_from(month_call)
            .join(CallQualityReport, col(CallQualityReport.call_id) == by_id)
        )
        found = CallRecords([], [], [])
        for r in await self._rows(union_all(escalations, drops, quality)):
            if r[0] == _ESCALATION:
                found.escalations.append(r[1:7])
            elif r[0] == _DROP:
                found.drops.append(r[1:3])
            else:
                found.quality.append((r[1], r[2], *r[7:10]))
        return found

    def _site_months_in(
        self, scope: Scope, area: Coverage, first_month: str, last_month: str
    ) -> ColumnElement[bool]:
        """Rows of ``report_site_month`` of the area's sites in these months (listed, as
        for the calls)."""
        return and_(
            _SITE_MONTH.c.month.in_(months.span(first_month, last_month)),
            area.sites_clause(_SITE_MONTH.c.site_id),
            scope.site_clause(_SITE_MONTH.c.site_id),
        )

    async def site_month_calls(
        self, scope: Scope, area: Coverage, *, first_month: str, last_month: str
    ) -> list[TrendRow]:
        """(month, site id, calls, avoided admissions claimed) of each of the area's sites
        and months over a window, from the per-site, per-month counts
        (``report_site_month``, kept as calls change): the two counts the trend charts
        draw, one row per kept site and month, never the calls' rows."""
        require_reports(scope)
        stmt = select(
            _SITE_MONTH.c.month,
            _SITE_MONTH.c.site_id,
            _SITE_MONTH.c.calls,
            _SITE_MONTH.c.admission_claimed,
        ).where(self._site_months_in(scope, area, first_month, last_month))
        return await self._rows(stmt)

    async def period_counts(
        self, scope: Scope, area: Coverage, *, periods: Sequence[tuple[str, str]]
    ) -> list[SitePeriodCounts]:
        """Each of the area's sites' counts added up over each period (first to last
        month, inclusive), by the database: one row per site and period in which the site
        has kept counts (a period asked for twice is read once)."""
        require_reports(scope)
        wanted = list(dict.fromkeys(periods))
        parts = [
            select(
                literal(i),
                _SITE_MONTH.c.site_id,
                *(func.sum(_SITE_MONTH.c[n]) for n in COUNTS),
            )
            .where(self._site_months_in(scope, area, first, last))
            .group_by(_SITE_MONTH.c.site_id)
            for i, (first, last) in enumerate(wanted)
        ]
        if not parts:
            return []
        rows = await self._rows(parts[0] if len(parts) == 1 else union_all(*parts))
        return [
            SitePeriodCounts(wanted[r[0]][0], wanted[r[0]][1], r[1], tuple(r[2:])) for r in rows
        ]

    async def activity(
        self, scope: Scope, area: Coverage, *, first_month: str, last_month: str
    ) -> Sequence[HospitalActivity]:
        """Imported hospital activity of the commissioner's sites (the comparison needs the
        whole area even when the report is for one site)."""
        require_reports(scope)
        whole_area = area.whole()
        stmt = select_model(HospitalActivity).where(
            col(HospitalActivity.month).between(first_month, last_month),
            whole_area.sites_clause(col(HospitalActivity.site_id)),
            scope.site_clause(col(HospitalActivity.site_id)),
        )
        return (await self.session.exec(stmt)).all()
