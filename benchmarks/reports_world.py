"""The national-scale world ``benchmarks/bench_reports.py`` times reports over: the hub, 42
commissioners, their sites and the calls, generated inside the database engine (SQLite's
recursive CTE or PostgreSQL's ``generate_series``) so 5 million calls take minutes, not hours.

The generated calls are synthetic: a London month is approximated as UTC + 1 hour from April
to October on SQLite (exact on PostgreSQL); it changes no timing.
"""

from __future__ import annotations

import sys

from sqlalchemy import text

from hub.reports import months
from hub.storage.engine import Database

COMMISSIONERS = 42
LAST_MONTH = "2026-10"

_SITE_ROWS = """
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :sites)
INSERT INTO organisation (ods_code, name, kind, commissioner_id, registered_beds, go_live,
                          created_at)
SELECT printf('V%05d', x), printf('Home %d', x),
       CASE x % 10 WHEN 0 THEN 'own_home' WHEN 1 THEN 'prison'
                   WHEN 2 THEN 'care_home_residential' WHEN 3 THEN 'care_home_residential'
                   ELSE 'care_home_nursing' END,
       :first_commissioner + x % :commissioners,
       CASE WHEN x % 10 < 2 THEN NULL ELSE 20 + x % 60 END,
       date(:start, '+' || (x % 24) || ' months'), :now
FROM n
"""
_PG_SITE_ROWS = """
INSERT INTO organisation (ods_code, name, kind, commissioner_id, registered_beds, go_live,
                          created_at)
SELECT 'V' || lpad(x::text, 5, '0'), 'Home ' || x,
       CASE x % 10 WHEN 0 THEN 'own_home' WHEN 1 THEN 'prison'
                   WHEN 2 THEN 'care_home_residential' WHEN 3 THEN 'care_home_residential'
                   ELSE 'care_home_nursing' END,
       :first_commissioner + x % :commissioners,
       CASE WHEN x % 10 < 2 THEN NULL ELSE 20 + x % 60 END,
       (CAST(CAST(:start AS text) AS date) + make_interval(months => x % 24))::date, now()
FROM generate_series(1, :sites) AS x
"""
_FACTS = """
       CASE abs(r1) % 10 WHEN 0 THEN 'ambulance_999' WHEN 1 THEN 'ed_self_present'
            WHEN 2 THEN 'ooh_gp' WHEN 3 THEN 'wait_and_see' ELSE 'gp_urgent' END,
       CASE abs(r2) % 8 WHEN 0 THEN 'admission' WHEN 1 THEN 'ed_attendance'
            WHEN 2 THEN 'no_nhs_contact' ELSE 'gp_contact' END,
       CASE abs(r3) % 12 WHEN 0 THEN 'ambulance_999' WHEN 1 THEN 'not_recorded'
            WHEN 2 THEN 'direct_admission' WHEN 3 THEN 'gp_followup'
            WHEN 4 THEN 'district_nurse' ELSE 'managed_in_place' END,
       CASE abs(r4) % 4 WHEN 0 THEN 'unknown' WHEN 1 THEN 'yes' ELSE 'no' END,
       CASE abs(r4 / 7) % 5 WHEN 0 THEN 'unknown' WHEN 1 THEN 'yes' ELSE 'no' END
"""
_CALL_COLUMNS = """(id, site_id, channel, reason, home_intent, nurse_counterfactual, disposition,
 ed_within_72h, admitted_within_72h, priority, state, started_at, local_month, answered_at,
 source)"""
_CALL_ROWS = f"""
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count)
INSERT INTO call {_CALL_COLUMNS}
SELECT printf('b%035d', x + :offset), site, 'care_home', 'fever', {_FACTS}, 0, 'closed', t,
       strftime('%Y-%m', t, CASE WHEN CAST(strftime('%m', t) AS INT) BETWEEN 4 AND 10
                                 THEN '+1 hour' ELSE '+0 hours' END),
       datetime(t, '+' || (30 + abs(r1) % 600) || ' seconds'), 'bench'
FROM (SELECT x, :first_site + abs(random()) % :sites AS site,
             datetime(:start, '+' || CAST(:base + x * :span / :count AS INT) || ' seconds') AS t,
             random() AS r1, random() AS r2, random() AS r3, random() AS r4 FROM n)
"""
_PG_CALL_ROWS = f"""
INSERT INTO call {_CALL_COLUMNS}
SELECT 'b' || lpad((x + :offset)::text, 35, '0'), site, 'care_home', 'fever', {_FACTS}, 0,
       'closed', t, to_char(t AT TIME ZONE 'Europe/London', 'YYYY-MM'),
       t + make_interval(secs => 30 + abs(r1) % 600), 'bench'
FROM (SELECT x, :first_site + floor(random() * :sites)::int AS site,
             CAST(CAST(:start AS text) AS timestamptz)
                 + make_interval(secs => :base + x::float8 * :span / :count) AS t,
             (random() * 2e9)::bigint AS r1, (random() * 2e9)::bigint AS r2,
             (random() * 2e9)::bigint AS r3, (random() * 2e9)::bigint AS r4
      FROM generate_series(1, :count) AS x) AS g
"""


async def generate(db: Database, *, sites: int, calls: int, history: int) -> None:
    pg = db.engine.dialect.name == "postgresql"
    first = months.shift(LAST_MONTH, -(history - 1))
    start = f"{first}-01 00:00:00"
    end_month = months.shift(LAST_MONTH, 1)
    span = (
        ((int(end_month[:4]) - int(first[:4])) * 12 + int(end_month[5:]) - int(first[5:]))
        * 30.44
        * 86400
    )
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO organisation (ods_code, name, kind, created_at) "
                "VALUES ('RHUB1', 'Bench hub', 'hub', CURRENT_TIMESTAMP)"
            )
        )
        for i in range(COMMISSIONERS):
            await conn.execute(
                text(
                    "INSERT INTO organisation (ods_code, name, kind, created_at) VALUES "
                    "(:ods, :name, 'commissioner', CURRENT_TIMESTAMP)"
                ),
                {"ods": f"Q{i:02d}", "name": f"Commissioner {i}"},
            )
        first_commissioner = (
            await conn.execute(text("SELECT min(id) FROM organisation WHERE kind='commissioner'"))
        ).scalar_one()
        await conn.execute(
            text(_PG_SITE_ROWS if pg else _SITE_ROWS),
            {
                "sites": sites,
                "first_commissioner": first_commissioner,
                "commissioners": COMMISSIONERS,
                "start": months.shift(LAST_MONTH, -30) + "-01",
                "now": "2026-11-01 00:00:00",
            },
        )
        first_site = (
            await conn.execute(text("SELECT min(id) FROM organisation WHERE ods_code LIKE 'V%'"))
        ).scalar_one()
    chunk = 500_000
    for offset in range(0, calls, chunk):
        count = min(chunk, calls - offset)
        async with db.engine.begin() as conn:
            await conn.execute(
                text(_PG_CALL_ROWS if pg else _CALL_ROWS),
                {
                    "count": count,
                    "offset": offset,
                    "first_site": first_site,
                    "sites": sites,
                    "start": start,
                    # each chunk covers its share of the history, in time order
                    "base": span * offset / calls,
                    "span": span * count / calls,
                },
            )
        print(f"  {offset + count:,} of {calls:,} calls", file=sys.stderr, flush=True)
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL: VACUUM as autovacuum would after a bulk load (it marks the pages
        # all-visible, so the report's index-only scans need no heap fetches), then ANALYZE.
        await conn.execute(text("VACUUM ANALYZE call, organisation" if pg else "ANALYZE"))
