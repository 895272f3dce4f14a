"""Importing a historical call log. ``call_id`` is the idempotency key (Call.external_id):
a row whose call is already stored changes nothing. Unknown sites are created from the
row's ODS code and site kind; a known site must have the kind the row gives.

Rows are read and checked in batches (``call_file``: in a second process for a large file)
while this process writes the previous batch, all in the one transaction of the import.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock
from hub.settings import HubSettings
from hub.storage.repos.aggregates import Recount
from hub.storage.repos.imports import ImportRepo
from hub.storage.repos.quality import failure_row
from hub.storage.scope import Scope
from hub.storage.tables import Organisation
from schemas.codes import CallState, Disposition

from .call_file import PARALLEL_FROM_BYTES, CallFile, CallRecord, call_batches
from .source import CsvSource, Tally

SOURCE = "import"
CALL_COLUMNS = (
    "id",
    "external_id",
    "site_id",
    "person_id",
    "channel",
    "reason",
    "home_intent",
    "priority",
    "state",
    "started_at",
    "local_month",
    "answered_at",
    "ended_at",
    "closed_at",
    "nurse_counterfactual",
    "disposition",
    "ed_within_72h",
    "admitted_within_72h",
    "gold_line_outcome",
    "source",
)
ESCALATION_COLUMNS = ("call_id", "code", "specialty", "at", "recorded_by")
CLOSED = CallState.CLOSED.value
RETIRED_FAILURE = Disposition.CALL_FAILED_TECHNICAL.value
NOT_RECORDED = Disposition.NOT_RECORDED.value


class CallImport:
    def __init__(
        self, scope: Scope, clock: Clock, settings: HubSettings, tally: Tally, skip_invalid: bool
    ) -> None:
        self.scope = scope
        self.clock = clock
        self.settings = settings
        self.tally = tally
        self.skip_invalid = skip_invalid
        self._inflight: asyncio.Future[None] | None = None
        prefix = uuid.UUID(int=uuid.uuid4().int >> 64 << 64, version=4)
        self._id_head = str(prefix)[:24]  # "xxxxxxxx-xxxx-4xxx-8000-"
        self._counter = 0
        self._counts = Recount()

    def _next_id(self) -> str:
        """A fresh call id (a UUID). Ids of one import share a random prefix and count up in
        the last 48 bits, so a million inserts append to the primary-key index instead of
        scattering."""
        self._counter += 1
        return f"{self._id_head}{self._counter:012x}"

    async def __call__(self, session: AsyncSession, source: CsvSource) -> None:
        repo = ImportRepo(session, self.clock)
        organisations = await repo.organisations(self.scope)
        file = CallFile(
            path=source.path,
            columns=source.columns,
            optional=tuple(source.optional),
            kinds={ods: o.kind for ods, o in organisations.items()},
            allow_synthetic_nhs_numbers=self.settings.allow_synthetic_nhs_numbers,
            dialect=await repo.dialect(self.scope),
        )
        size = source.size
        await repo.bulk_cache(self.scope, large=True)
        try:
            async with call_batches(file, parallel=size >= PARALLEL_FROM_BYTES) as batches:
                async for batch in batches:
                    self.tally.rows += batch.rows
                    for line, reason in batch.errors:
                        self.tally.invalid(line, reason)
                    if source.progress is not None:
                        source.progress(batch.bytes_read, size)
                    await self._write(repo, organisations, batch.records)
            await self._settle()
            await repo.write_counts(self.scope, self._counts)
            await repo.bulk_cache(self.scope, large=False)
        finally:
            if self._inflight is not None:  # an error: let the insert end before rollback
                await asyncio.gather(self._inflight, return_exceptions=True)

    async def _settle(self) -> None:
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            await inflight

    async def _write(
        self, repo: ImportRepo, organisations: dict[str, Organisation], rows: list[CallRecord]
    ) -> None:
        if not rows or (self.tally.errors and not self.skip_invalid):
            return  # nothing will be kept: keep checking, stop writing
        # The previous batch's insert ran while this batch was read and checked.
        await self._settle()
        stored = await repo.existing_calls(self.scope, external_ids=[r[1] for r in rows])
        new = [r for r in rows if r[1] not in stored] if stored else rows
        self.tally.already_present += len(rows) - len(new)
        unknown: dict[str, Organisation] = {}
        for _line, _call_id, site_ods, site_kind, *_ in new:
            if site_ods not in organisations and site_ods not in unknown:
                unknown[site_ods] = Organisation(
                    ods_code=site_ods, name=site_ods, kind=site_kind, created_at=self.clock.now()
                )
        if unknown:
            await repo.add_organisations(self.scope, list(unknown.values()))
            organisations.update(unknown)
            self.tally.created_sites += unknown
        people = await repo.people(self.scope, nhs_numbers={r[4] for r in new if r[4]})
        site_ids = {ods: o.id for ods, o in organisations.items()}
        calls: list[tuple[Any, ...]] = []
        escalations: list[tuple[Any, ...]] = []
        failures: list[tuple[Any, ...]] = []
        for row in new:
            (_, external_id, site_ods, _, nhs_number, channel, reason, intent, started, month,
             answered, ended, counterfactual, disposition, codes, ed, admitted,
             gold) = row  # fmt: skip
            call_id = self._next_id()
            if disposition == RETIRED_FAILURE:  # a technical fact, kept apart (method §3a)
                disposition = NOT_RECORDED
                failures.append(failure_row(call_id, ended or started))
            calls.append(
                (
                    call_id,
                    external_id,
                    site_ids[site_ods],
                    people.get(nhs_number) if nhs_number else None,
                    channel,
                    reason,
                    intent,
                    0,
                    CLOSED,
                    started,
                    month,
                    answered,
                    ended,
                    ended,  # closed when it ended
                    counterfactual,
                    disposition,
                    ed,
                    admitted,
                    gold,
                    SOURCE,
                )
            )
            for code in codes:
                escalations.append((call_id, code, None, started, None))
        self._inflight = asyncio.ensure_future(
            repo.add_calls(
                self.scope,
                CALL_COLUMNS,
                calls,
                ESCALATION_COLUMNS,
                escalations,
                self._counts,
                failures,
            )
        )
        self.tally.imported += len(new)
        self.tally.converted_failures += len(failures)
