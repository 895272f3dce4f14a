"""Importing a historical call log. ``call_id`` is the idempotency key (Call.external_id):
a row whose call is already stored changes nothing. Unknown sites are created from the
row's ODS code and site kind; a known site must have the kind the row gives."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.clock import Clock, london_month
from hub.settings import HubSettings
from hub.storage.repos.imports import ImportRepo
from hub.storage.scope import Scope
from hub.storage.tables import Organisation
from schemas.codes import CallState, OrganisationKind
from schemas.imports import CallRow
from schemas.nhs import is_synthetic

from .service import Records, Tally

BATCH = 5000
SOURCE = "import"


class CallImport:
    def __init__(
        self, scope: Scope, clock: Clock, settings: HubSettings, tally: Tally, skip_invalid: bool
    ) -> None:
        self.scope = scope
        self.clock = clock
        self.settings = settings
        self.tally = tally
        self.skip_invalid = skip_invalid
        self.seen: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self._inflight: asyncio.Future[None] | None = None
        self._prefix = uuid.uuid4().int >> 64 << 64
        self._counter = 0

    def _next_id(self) -> str:
        """A fresh call id (a UUID). Ids of one import share a random prefix and count up,
        so a million inserts append to the primary-key index instead of scattering."""
        self._counter += 1
        return str(uuid.UUID(int=self._prefix | self._counter, version=4))

    async def __call__(self, session: AsyncSession, rows: Records) -> None:
        repo = ImportRepo(session, self.clock)
        organisations = await repo.organisations(self.scope)
        self.kinds = {ods: o.kind for ods, o in organisations.items()}
        await repo.bulk_cache(self.scope, large=True)
        pending: list[CallRow] = []
        try:
            for line, raw in rows:
                self.tally.rows += 1
                row = self._check(line, raw)
                if row is None:
                    continue
                pending.append(row)
                if len(pending) >= BATCH:
                    await self._write(repo, organisations, pending)
                    pending = []
            await self._write(repo, organisations, pending)
            await self._settle()
            await repo.bulk_cache(self.scope, large=False)
        finally:
            if self._inflight is not None:  # an error: let the insert end before rollback
                await asyncio.gather(self._inflight, return_exceptions=True)

    async def _settle(self) -> None:
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            await inflight

    def _check(self, line: int, raw: dict[str, str]) -> CallRow | None:
        row = self.tally.parse(line, raw, CallRow)
        if row is None:
            return None
        first = self.seen.setdefault(row.call_id, line)
        if first != line:
            self.tally.invalid(line, f"call_id {row.call_id} is already on line {first}")
            return None
        kind = self.kinds.setdefault(row.site_ods, row.site_kind.value)
        if kind != row.site_kind.value:
            what = "a site" if OrganisationKind(kind).is_site else "an organisation"
            self.tally.invalid(
                line, f"site_kind: {row.site_ods} is {what} of kind {kind}, not {row.site_kind}"
            )
            return None
        if (
            row.nhs_number
            and is_synthetic(row.nhs_number)
            and not self.settings.allow_synthetic_nhs_numbers
        ):
            self.tally.invalid(line, "nhs_number: test numbers (900-999) are refused here")
            return None
        return row

    async def _write(
        self, repo: ImportRepo, organisations: dict[str, Organisation], rows: list[CallRow]
    ) -> None:
        if not rows or (self.tally.errors and not self.skip_invalid):
            return  # nothing will be kept: keep checking, stop writing
        # The previous batch's insert ran while this batch was read and checked.
        await self._settle()
        stored = await repo.existing_calls(self.scope, external_ids=[r.call_id for r in rows])
        new = [r for r in rows if r.call_id not in stored]
        self.tally.already_present += len(rows) - len(new)
        for row in new:
            if row.site_ods not in organisations:
                organisations[row.site_ods] = await repo.add_organisation(
                    self.scope,
                    Organisation(
                        ods_code=row.site_ods,
                        name=row.site_ods,
                        kind=row.site_kind.value,
                        created_at=self.clock.now(),
                    ),
                )
                self.tally.created_sites.append(row.site_ods)
        people = await repo.people(
            self.scope, nhs_numbers={r.nhs_number for r in new if r.nhs_number}
        )
        calls: list[dict[str, Any]] = []
        escalations: list[dict[str, Any]] = []
        for row in new:
            call_id = self._next_id()
            calls.append(_call(row, call_id, organisations[row.site_ods], people))
            started = row.started_at.astimezone(UTC)
            escalations += [
                {
                    "call_id": call_id,
                    "code": code.value,
                    "specialty": None,
                    "at": started,
                    "recorded_by": None,
                }
                for code in row.escalations
            ]
        self._inflight = asyncio.ensure_future(repo.add_calls(self.scope, calls, escalations))
        self.tally.imported += len(new)


def _call(row: CallRow, call_id: str, site: Organisation, people: dict[str, int]) -> dict[str, Any]:
    started = row.started_at.astimezone(UTC)
    ended = row.ended_at.astimezone(UTC) if row.ended_at else None
    return {
        "id": call_id,
        "external_id": row.call_id,
        "site_id": site.id,
        "person_id": people.get(row.nhs_number) if row.nhs_number else None,
        "channel": row.channel.value,
        "reason": row.reason.value,
        "home_intent": row.home_intent.value,
        "priority": 0,
        "state": CallState.CLOSED.value,
        "started_at": started,
        "local_month": london_month(started),
        "answered_at": row.answered_at.astimezone(UTC) if row.answered_at else None,
        "ended_at": ended,
        "closed_at": ended,
        "nurse_counterfactual": row.nurse_counterfactual.value,
        "disposition": row.disposition.value,
        "ed_within_72h": row.ed_within_72h.value,
        "admitted_within_72h": row.admitted_within_72h.value,
        "source": SOURCE,
    }
