"""Bulk writes for the administrator's imports. Every method takes the scope first and
refuses anyone but a hub administrator."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import DateTime, Table, insert
from sqlmodel import col, select

from ..scope import Scope
from ..tables import Call, Escalation, HospitalActivity, Organisation, Person
from .base import Repo


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

    async def people(self, scope: Scope, *, nhs_numbers: Collection[str]) -> dict[str, int]:
        """Person ids by NHS number, for those of ``nhs_numbers`` that are registered."""
        scope.require_admin()
        if not nhs_numbers:
            return {}
        stmt = select(col(Person.nhs_number), col(Person.id)).where(
            col(Person.nhs_number).in_(list(nhs_numbers))
        )
        return {number: pid for number, pid in (await self.session.exec(stmt)).all() if pid}

    async def existing_calls(self, scope: Scope, *, external_ids: Collection[str]) -> set[str]:
        """Which of these import keys (Call.external_id) are already stored."""
        scope.require_admin()
        if not external_ids:
            return set()
        stmt = select(col(Call.external_id)).where(col(Call.external_id).in_(list(external_ids)))
        return {e for e in (await self.session.exec(stmt)).all() if e}

    async def add_calls(
        self, scope: Scope, calls: Sequence[dict[str, Any]], escalations: Sequence[dict[str, Any]]
    ) -> None:
        """Insert calls (and their escalations) in bulk, in the session's transaction.

        A million rows must import in under a minute, so this goes below the ORM: the
        driver's executemany on SQLite (values in the form SQLAlchemy itself stores), COPY on
        PostgreSQL. Every row of one call must have the same keys.
        """
        scope.require_admin()
        await self._bulk(Call.__table__, calls)  # type: ignore[attr-defined]
        await self._bulk(Escalation.__table__, escalations)  # type: ignore[attr-defined]

    async def bulk_cache(self, scope: Scope, *, large: bool) -> None:
        """On SQLite, give this connection a large page cache for a bulk import (and back)."""
        scope.require_admin()
        connection = await self.session.connection()
        if connection.dialect.name == "sqlite":
            size = -262_144 if large else -2_000  # KiB: 256 MiB, or SQLite's default
            await connection.exec_driver_sql(f"PRAGMA cache_size={size}")

    async def _bulk(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        connection = await self.session.connection()
        dialect = connection.dialect.name
        if dialect == "sqlite":
            driver: Any = (await connection.get_raw_connection()).driver_connection
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            moments = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, DateTime)]
            values = []
            for row in rows:
                value = list(row.values())  # every row has the keys in the same order
                for i in moments:
                    if value[i] is not None:
                        value[i] = value[i].strftime(_SQLITE_DATETIME)
                values.append(value)
            await driver.executemany(
                f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values
            )
        elif dialect == "postgresql":
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            records = [tuple(row[c] for c in columns) for row in rows]
            await driver.copy_records_to_table(table.name, records=records, columns=columns)
        else:  # pragma: no cover - only the two engines above are supported
            await connection.execute(insert(table), list(rows))

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


_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's DateTime stores a (UTC) moment in SQLite."""
