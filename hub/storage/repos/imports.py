"""Bulk writes for the administrator's imports. Every method takes the scope first and
refuses anyone but a hub administrator."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, DateTime, String, Table, any_, bindparam, func, insert
from sqlmodel import col, select

from ..scope import Scope
from ..tables import Call, CallQualityReport, Escalation, HospitalActivity, Organisation, Person
from .aggregates import Recount
from .base import Repo
from .quality import FAILURE_COLUMNS


class ImportRepo(Repo):
    async def organisations(self, scope: Scope) -> dict[str, Organisation]:
        """Every organisation by ODS code (sites are matched on it)."""
        scope.require_admin()
        found = (await self.session.exec(select(Organisation))).all()
        return {o.ods_code: o for o in found}

    async def add_organisation(self, scope: Scope, organisation: Organisation) -> Organisation:
        scope.require_admin()
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def add_organisations(
        self, scope: Scope, organisations: Sequence[Organisation]
    ) -> Sequence[Organisation]:
        """Add several at once (one flush): their ids are set on return."""
        scope.require_admin()
        self.session.add_all(organisations)
        await self.session.flush()
        return organisations

    async def dialect(self, scope: Scope) -> str:
        """The database engine's name ("sqlite", "postgresql"), for ``bulk_moment``."""
        scope.require_admin()
        return (await self.session.connection()).dialect.name

    async def people(self, scope: Scope, *, nhs_numbers: Collection[str]) -> dict[str, int]:
        """Person ids by NHS number, for those of ``nhs_numbers`` that are registered."""
        scope.require_admin()
        if not nhs_numbers:
            return {}
        number = col(Person.nhs_number)
        stmt = select(number, col(Person.id)).where(await self._among(number, nhs_numbers))
        return {number: pid for number, pid in (await self.session.exec(stmt)).all() if pid}

    async def existing_calls(self, scope: Scope, *, external_ids: Collection[str]) -> set[str]:
        """Which of these import keys (Call.external_id) are already stored."""
        scope.require_admin()
        if not external_ids:
            return set()
        key = col(Call.external_id)
        stmt = select(key).where(await self._among(key, external_ids))
        return {e for e in (await self.session.exec(stmt)).all() if e}

    async def _among(self, column: Any, values: Collection[str]) -> ColumnElement[bool]:
        """``column IN values`` with the values as one parameter: an import asks about
        thousands at a time, and one bound parameter per value costs more to compile than
        the lookup itself."""
        dialect = (await self.session.connection()).dialect.name
        if dialect == "postgresql":
            return column == any_(bindparam("among", list(values), type_=ARRAY(String)))
        if dialect == "sqlite":
            listed = func.json_each(json.dumps(list(values))).table_valued("value")
            return column.in_(select(listed.c.value))
        return column.in_(list(values))  # pragma: no cover - only the two engines above

    async def add_calls(
        self,
        scope: Scope,
        columns: Sequence[str],
        calls: Sequence[Sequence[Any]],
        escalation_columns: Sequence[str],
        escalations: Sequence[Sequence[Any]],
        counts: Recount,
        failures: Sequence[Sequence[Any]] = (),
    ) -> None:
        """Insert calls (and their escalations) in bulk, in the session's transaction: rows
        of values in the order of ``columns``, moments as ``bulk_moment`` makes them; and the
        hub's call-quality records of those that ended by failure (``quality.failure_row``,
        from a retired ``call_failed_technical``). Their
        counts are added to ``counts``, which ``write_counts`` writes once the import's last
        batch is in (one upsert per site and month instead of one per batch).

        A million rows must import in under a minute, so this goes below the ORM: the
        driver's executemany on SQLite, COPY on PostgreSQL.
        """
        scope.require_admin()
        await self._bulk(Call.__table__, columns, calls)  # type: ignore[attr-defined]
        await self._bulk(Escalation.__table__, escalation_columns, escalations)  # type: ignore[attr-defined]
        await self._bulk(CallQualityReport.__table__, FAILURE_COLUMNS, failures)  # type: ignore[attr-defined]
        counts.new_rows(columns, calls)

    async def write_counts(self, scope: Scope, counts: Recount) -> None:
        """Write the imported calls' counts for the reports, in the import's transaction."""
        scope.require_admin()
        await counts.write(self.session)

    async def bulk_cache(self, scope: Scope, *, large: bool) -> None:
        """On SQLite, give this connection a large page cache for a bulk import (and back)."""
        scope.require_admin()
        connection = await self.session.connection()
        if connection.dialect.name == "sqlite":
            size = -262_144 if large else -2_000  # KiB: 256 MiB, or SQLite's default
            await connection.exec_driver_sql(f"PRAGMA cache_size={size}")

    async def _bulk(
        self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        connection = await self.session.connection()
        dialect = connection.dialect.name
        driver: Any = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        if dialect == "sqlite":
            for i, name in enumerate(columns):  # moments must come as bulk_moment made them
                if isinstance(table.c[name].type, DateTime):
                    assert not isinstance(rows[0][i], datetime), f"{name}: use bulk_moment"
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            await driver.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        elif dialect == "postgresql":
            await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
        else:  # pragma: no cover - only the two engines above are supported
            await connection.execute(
                insert(table), [dict(zip(columns, r, strict=True)) for r in rows]
            )

    async def activity(self, scope: Scope) -> dict[tuple[int, str], HospitalActivity]:
        scope.require_admin()
        found = (await self.session.exec(select(HospitalActivity))).all()
        return {(a.site_id, a.month): a for a in found}

    async def add_activity(self, scope: Scope, rows: Sequence[dict[str, Any]]) -> None:
        scope.require_admin()
        if rows:
            connection = await self.session.connection()
            await connection.execute(insert(HospitalActivity), list(rows))

    async def save(self, scope: Scope, record: HospitalActivity | Organisation) -> None:
        """Write back changes to a record read through this repository."""
        scope.require_admin()
        self.session.add(record)


def bulk_moment(dialect: str) -> Callable[[datetime], Any]:
    """How ``add_calls`` takes a UTC moment on this engine: on SQLite, the text SQLAlchemy's
    DateTime itself stores ("2026-10-03 09:15:00.000000"); elsewhere the datetime."""
    if dialect == "sqlite":
        return _sqlite_moment
    return _as_is


def _sqlite_moment(moment: datetime) -> str:
    # "2026-10-03 09:15:00.000000+00:00" without its (UTC) offset
    return moment.isoformat(" ", "microseconds")[:26]


def _as_is(moment: datetime) -> datetime:
    return moment
