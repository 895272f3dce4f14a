"""The report's two reads of the per-site, per-month counts (``report_site_month``): the
trend charts' two counts per site and month (``ReportRepo.site_month_calls``) and each
site's counts added up over the comparison's periods by the database
(``ReportRepo.period_counts``) give exactly what reading every kept row and adding it up
gives, for one site, one commissioner's area and the whole hub (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import col, delete, select

from hub.avoided.counts import COUNTS, ZERO, Counts, added
from hub.clock import FakeClock
from hub.months import span
from hub.storage import rows
from hub.storage.engine import Database
from hub.storage.repos.reports import Area, Coverage, ReportRepo, WholeHub
from hub.storage.scope import SYSTEM
from hub.storage.tables import Organisation, SiteMonth
from support.world import NOW, World

MONTHS = span("2024-01", "2026-12")
FIRST, LAST = "2024-11", "2026-10"
PERIODS = [("2026-10", "2026-10"), ("2026-09", "2026-09"), ("2026-04", "2026-10")]


async def _kept_counts(db: Database, world: World) -> Organisation:
    """Rows at three sites of two commissioners and at a site with no commissioner, every
    count different (site, month and column), some months missing; returns the third site
    (commissioner A's second)."""
    async with db.session() as s:
        await s.exec(delete(SiteMonth))  # the world's own calls' counts, replaced
        third = rows.site("VHOMC", "Home C", commissioner=world.commissioner_a, at=NOW)
        loose = rows.site("VHOMD", "Home D", commissioner=world.commissioner_a, at=NOW)
        s.add_all([third, loose])
        await s.flush()
        loose.commissioner_id = None
        sites = [world.home_a.site, world.home_b.site, third, loose]
        for n, site in enumerate(sites):
            for m, month in enumerate(MONTHS):
                if (m + n) % 5 == 0:
                    continue  # no row kept for this site and month
                values = {name: 1000 * n + 10 * m + c for c, name in enumerate(COUNTS)}
                s.add(SiteMonth(site_id=site.id, month=month, **values))
    return third


async def _every_row(db: Database, site_ids: set[int]) -> list[SiteMonth]:
    async with db.session() as s:
        found = (await s.exec(select(SiteMonth).where(col(SiteMonth.site_id).in_(site_ids)))).all()
        return list(found)


def _counts(row: SiteMonth) -> Counts:
    return tuple(getattr(row, name) for name in COUNTS)


async def _check(db: Database, covered: Coverage, site_ids: set[int]) -> None:
    kept = await _every_row(db, site_ids)
    async with db.session() as s:
        repo = ReportRepo(s, FakeClock(NOW))
        trend = await repo.site_month_calls(SYSTEM, covered, first_month=FIRST, last_month=LAST)
        periods = await repo.period_counts(SYSTEM, covered, periods=[*PERIODS, PERIODS[0]])
    assert sorted(trend) == sorted(
        (r.month, r.site_id, r.calls, r.admission_claimed) for r in kept if FIRST <= r.month <= LAST
    )
    expected: dict[tuple[str, str, int], Counts] = defaultdict(lambda: ZERO)
    for first, last in PERIODS:
        for r in kept:
            if first <= r.month <= last:
                key = (first, last, r.site_id)
                expected[key] = added(expected[key], _counts(r))
    got = {(p.first_month, p.last_month, p.site_id): p.counts for p in periods}
    assert len(got) == len(periods)  # each site and period once, the repeated period too
    assert got == expected


async def test_the_trend_and_period_reads_give_every_kept_row(db: Database, world: World) -> None:
    third = await _kept_counts(db, world)
    a, b = world.home_a.site.id, world.home_b.site.id
    assert a is not None and b is not None and third.id is not None
    await _check(db, Area(commissioner=world.commissioner_a), {a, third.id})
    await _check(db, Area(commissioner=world.commissioner_b), {b})
    await _check(db, Area(commissioner=world.commissioner_a, site=third), {third.id})
    await _check(db, WholeHub(), {a, b, third.id})  # the site with no commissioner left out
