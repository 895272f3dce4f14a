"""The one writer of ``report_site_month``: the per-site, per-month counts the monthly
report reads (``hub.avoided.counts`` says what each call adds).

Every change to a call's counted columns (its site, month and the codes the rules read) is
made through ``CallRepo`` or ``ImportRepo``, and each of those hands ``Recount`` what the
call was before and what it is after, in the same transaction as the change: a call closing,
an outcome amended, a follow-up recorded, a file imported. The counts are therefore never
stale, and ``rebuild`` (``telehub reports rebuild``, and the migration that made the table)
recomputes them from the calls alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.avoided.counts import COUNTS, ZERO, Counts, added, of_call

from ..scope import Scope
from ..tables import Call, SiteMonth

COUNTED = (
    "site_id",
    "local_month",
    "home_intent",
    "nurse_counterfactual",
    "disposition",
    "ed_within_72h",
    "admitted_within_72h",
)
"""A call's columns that its counts depend on."""

Key = tuple[int, str]  # site id, month


class Counted(NamedTuple):
    """A call as its counts see it."""

    site_id: int
    local_month: str
    home_intent: str
    nurse_counterfactual: str | None
    disposition: str | None
    ed_within_72h: str
    admitted_within_72h: str

    @classmethod
    def of(cls, call: Call) -> Counted:
        return cls(*(getattr(call, name) for name in COUNTED))

    def changed(self, values: Mapping[str, Any]) -> Counted:
        """This call after an update setting ``values``."""
        return self._replace(**{k: v for k, v in values.items() if k in COUNTED})

    @property
    def counts(self) -> Counts:
        return of_call(*self[2:])


def touches(values: Mapping[str, Any]) -> bool:
    """Whether an update setting ``values`` can change a call's counts."""
    return any(name in COUNTED for name in values)


async def counted(session: AsyncSession, call_id: str) -> Counted | None:
    """The call as counted now, its row locked until the transaction ends (PostgreSQL; a
    SQLite write transaction holds the whole database), so no other change to it can slip
    between this read and the update that follows."""
    stmt = (
        select(*(getattr(Call, name) for name in COUNTED))
        .where(col(Call.id) == call_id)
        .with_for_update()
    )
    row = (await session.exec(stmt)).first()  # type: ignore[call-overload]
    return Counted(*row) if row is not None else None


class Recount:
    """Changes to the counts, summed per site and month, then written in one go by
    ``write`` in the caller's transaction."""

    def __init__(self) -> None:
        self._deltas: dict[Key, Counts] = {}

    def change(self, before: Counted | None, after: Counted | None) -> None:
        """A call went from ``before`` (None: new) to ``after``."""
        if before == after:
            return
        if before is not None:
            self._add((before.site_id, before.local_month), before.counts, -1)
        if after is not None:
            self._add((after.site_id, after.local_month), after.counts, 1)

    def new_rows(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """New calls given as rows of values in the order of ``columns``."""
        at = [columns.index(name) for name in COUNTED]
        site, month, *codes = at
        for row in rows:
            self._add((row[site], row[month]), of_call(*(row[i] for i in codes)), 1)

    def _add(self, key: Key, counts: Counts, times: int) -> None:
        self._deltas[key] = added(self._deltas.get(key, ZERO), counts, times)

    async def write(self, session: AsyncSession) -> None:
        changed = {key: delta for key, delta in self._deltas.items() if any(delta)}
        self._deltas = {}
        if changed:
            connection = await session.connection()
            await connection.execute(_upsert(connection), _params(changed))


async def recount(session: AsyncSession, before: Counted | None, after: Counted | None) -> None:
    """Keep the counts for one call's change, in the session's transaction."""
    pending = Recount()
    pending.change(before, after)
    await pending.write(session)


def _upsert(connection: Connection | AsyncConnection) -> Any:
    """Add each row's counts to the stored ones (inserting a row not yet stored): one
    statement, so two transactions counting the same site and month never lose either."""
    table = SiteMonth.__table__  # type: ignore[attr-defined]
    dialect = connection.dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - only the two engines above are supported
        raise NotImplementedError(dialect)
    return stmt.on_conflict_do_update(
        index_elements=["site_id", "month"],
        set_={name: table.c[name] + stmt.excluded[name] for name in COUNTS},
    )


def _params(counts: Mapping[Key, Counts]) -> list[dict[str, Any]]:
    return [
        {"site_id": site, "month": month, **dict(zip(COUNTS, values, strict=True))}
        for (site, month), values in counts.items()
    ]


def rebuild_sync(connection: Connection) -> int:
    """Recompute every site's counts from the calls (on a synchronous connection, as the
    migration has one); returns how many (site, month) rows were written."""
    table = SiteMonth.__table__  # type: ignore[attr-defined]
    connection.execute(delete(table))
    columns = [getattr(Call, name) for name in COUNTED]
    groups = connection.execute(select(*columns, func.count()).group_by(*columns))
    found: dict[Key, Counts] = {}
    for site, month, *codes, calls in groups:
        key = (site, month)
        found[key] = added(found.get(key, ZERO), of_call(*codes), calls)
    params = _params(found)
    for start in range(0, len(params), 5_000):
        connection.execute(insert(table), params[start : start + 5_000])
    return len(params)


class AggregateRepo:
    """Rebuilding and reading back all the counts (the command and the tests)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rebuild(self, scope: Scope) -> int:
        scope.require_admin()
        connection = await self.session.connection()
        return await connection.run_sync(rebuild_sync)

    async def everything(self, scope: Scope) -> dict[Key, Counts]:
        """Every stored row, without all-zero ones (a row the changes brought back to zero
        says the same as no row)."""
        scope.require_admin()
        table = SiteMonth.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        rows = (await connection.execute(select(table))).all()
        found = {(r.site_id, r.month): tuple(getattr(r, n) for n in COUNTS) for r in rows}
        return {key: counts for key, counts in found.items() if any(counts)}
