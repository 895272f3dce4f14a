"""Reading and checking a call file, in batches ready to write.

Reading and checking rows is most of an import's CPU time, and writing them is most of the
rest. A large file is therefore read in a second process while this one writes (the hub's
machines have two cores or more); a small one is read here, where a second process would
cost more than it saves. Both run the same code below: every check in file order, exactly
as one pass would make it (the row model ``schemas.imports.CallRow``, a call_id repeated in
the file, a site whose kind disagrees with the database or with an earlier row, a test NHS
number where those are refused), each failure named by its line.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import queue
import re
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from hub.clock import london_month
from hub.storage.repos.imports import bulk_moment
from schemas.codes import (
    Channel,
    Disposition,
    Escalation,
    FollowUpAnswer,
    HomeIntent,
    NurseCounterfactual,
    OrganisationKind,
    Reason,
    SiteKind,
)
from schemas.imports import CallRow
from schemas.nhs import is_synthetic, normalise_nhs_number
from schemas.palliative import GoldLineOutcome, gold_line_problem

from .reader import FileRefused, records
from .source import parse_row

BATCH = 5000
PARALLEL_FROM_BYTES = 8 << 20
"""Files from this size (~40,000 rows) are read in a second process."""
_POLL_SECONDS = 0.5


CallRecord = tuple[Any, ...]
"""One valid row, in the form the call table takes it: line, call_id, site_ods, site_kind,
nhs_number, channel, reason, home_intent, started_at, local_month, answered_at, ended_at,
nurse_counterfactual, disposition, escalations (tuple), ed_within_72h, admitted_within_72h,
gold_line_outcome (or None); moments as the database's bulk writer takes them
(``bulk_moment``). A plain tuple: a batch crosses to the writing process as a pickle, five
times cheaper than a named tuple's."""


@dataclass
class Batch:
    records: list[CallRecord] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    rows: int = 0  # data rows read, valid or not
    bytes_read: int = 0


@dataclass(frozen=True)
class CallFile:
    """What reading a call file needs: picklable, so a second process can be given it."""

    path: Path
    columns: list[str]
    kinds: dict[str, str]  # ODS code -> kind of every organisation already stored
    allow_synthetic_nhs_numbers: bool
    dialect: str
    optional: tuple[str, ...] = ()  # columns the header may leave out


Fields = tuple[Any, ...]
"""A valid row's values: call_id, site_ods, site_kind, nhs_number, channel, reason,
home_intent, started_at, answered_at, ended_at (UTC datetimes or None), nurse_counterfactual,
disposition, escalations (tuple), ed_within_72h, admitted_within_72h, gold_line_outcome."""


class CallChecker:
    """The checks of each row, with what earlier rows told them."""

    def __init__(self, file: CallFile) -> None:
        self.kinds = dict(file.kinds)
        self.allow_synthetic = file.allow_synthetic_nhs_numbers
        self.moment: Callable[[datetime], Any] = bulk_moment(file.dialect)
        self.seen: dict[str, int] = {}
        self._months: dict[tuple[int, int, int, int], str] = {}

    def check(
        self, line: int, raw: dict[str, str], errors: list[tuple[int, str]]
    ) -> CallRecord | None:
        fields = plainly_valid(raw) if "__width__" not in raw else None
        if fields is None:  # the model decides, and names what is wrong
            row = parse_row(line, raw, CallRow)
            if isinstance(row, str):
                errors.append((line, row))
                return None
            fields = fields_of(row)
        call_id, site_ods, site_kind, nhs_number, *_ = fields
        first = self.seen.setdefault(call_id, line)
        if first != line:
            errors.append((line, f"call_id {call_id} is already on line {first}"))
            return None
        kind = self.kinds.setdefault(site_ods, site_kind)
        if kind != site_kind:
            what = "a site" if OrganisationKind(kind).is_site else "an organisation"
            errors.append(
                (line, f"site_kind: {site_ods} is {what} of kind {kind}, not {site_kind}")
            )
            return None
        if nhs_number and is_synthetic(nhs_number) and not self.allow_synthetic:
            errors.append((line, "nhs_number: test numbers (900-999) are refused here"))
            return None
        return self._record(line, fields)

    def _record(self, line: int, fields: Fields) -> CallRecord:
        (call_id, site_ods, site_kind, nhs_number, channel, reason, intent, started, answered,
         ended, counterfactual, disposition, escalations, ed, admitted, gold) = fields  # fmt: skip
        moment = self.moment
        return (
            line,
            call_id,
            site_ods,
            site_kind,
            nhs_number,
            channel,
            reason,
            intent,
            moment(started),
            self._month(started),
            moment(answered) if answered else None,
            moment(ended) if ended else None,
            counterfactual,
            disposition,
            escalations,
            ed,
            admitted,
            gold,
        )

    def _month(self, started: datetime) -> str:
        """``london_month``, once per hour of UTC: London's offset is whole hours and
        changes only on the hour, so a UTC hour never spans two London months."""
        hour = (started.year, started.month, started.day, started.hour)
        month = self._months.get(hour)
        if month is None:
            month = self._months[hour] = london_month(started)
        return month


def fields_of(row: CallRow) -> Fields:
    """The values of a row the model has validated."""
    return (
        row.call_id,
        row.site_ods,
        row.site_kind.value,
        row.nhs_number,
        row.channel.value,
        row.reason.value,
        row.home_intent.value,
        row.started_at.astimezone(UTC),
        row.answered_at.astimezone(UTC) if row.answered_at else None,
        row.ended_at.astimezone(UTC) if row.ended_at else None,
        row.nurse_counterfactual.value,
        row.disposition.value,
        tuple(code.value for code in row.escalations),
        row.ed_within_72h.value,
        row.admitted_within_72h.value,
        row.gold_line_outcome.value if row.gold_line_outcome else None,
    )


def _values(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(member.value for member in enum)


_SITE_KINDS = _values(SiteKind)
_CHANNELS = _values(Channel)
_REASONS = _values(Reason)
_INTENTS = _values(HomeIntent)
_COUNTERFACTUALS = _values(NurseCounterfactual)
_DISPOSITIONS = _values(Disposition)
_ESCALATIONS = _values(Escalation)
_ANSWERS = _values(FollowUpAnswer)
_GOLD_LINE_OUTCOMES = _values(GoldLineOutcome)
_ODS = re.compile(r"[A-Za-z0-9]{3,10}", re.ASCII)
_MOMENT = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)", re.ASCII
)
_TEN_DIGITS = re.compile(r"\d{10}", re.ASCII)


def plainly_valid(raw: dict[str, str]) -> Fields | None:
    """The row's values when it is written plainly (exact codes, times as
    2026-10-03T09:15:00+01:00 or with Z, ten-digit NHS numbers, no stray spaces) and valid;
    None for anything else, which the row model then decides.

    A shortcut, not a second set of rules: for a row it accepts, it gives exactly what
    ``fields_of(CallRow.model_validate(raw))`` gives (a test holds the two together), at a
    fraction of the cost over a million rows.
    """
    call_id = raw["call_id"]
    if not (0 < len(call_id) <= 64 and "!" <= call_id[0] <= "~" and "!" <= call_id[-1] <= "~"):
        return None
    site_ods = raw["site_ods"]
    site_kind, channel, reason = raw["site_kind"], raw["channel"], raw["reason"]
    intent, counterfactual = raw["home_intent"], raw["nurse_counterfactual"]
    disposition, ed, admitted = raw["disposition"], raw["ed_within_72h"], raw["admitted_within_72h"]
    gold = raw.get("gold_line_outcome", "") or None  # a file may leave the column out
    if (gold or channel == Channel.GOLD_LINE) and not (
        disposition in _DISPOSITIONS
        and (gold is None or gold in _GOLD_LINE_OUTCOMES)
        and gold_line_problem(
            channel, GoldLineOutcome(gold) if gold else None, Disposition(disposition)
        )
        is None
    ):
        return None
    if not (
        _ODS.fullmatch(site_ods)
        and site_kind in _SITE_KINDS
        and channel in _CHANNELS
        and reason in _REASONS
        and intent in _INTENTS
        and counterfactual in _COUNTERFACTUALS
        and disposition in _DISPOSITIONS
        and ed in _ANSWERS
        and admitted in _ANSWERS
    ):
        return None
    started = _moment(raw["started_at"])
    if started is None:
        return None
    answered = ended = None
    if raw["answered_at"].strip():
        answered = _moment(raw["answered_at"])
        if answered is None or answered < started:
            return None
    if raw["ended_at"].strip():
        ended = _moment(raw["ended_at"])
        if ended is None or ended < started:
            return None
    nhs_number = None
    if raw["nhs_number"].strip():
        if not _TEN_DIGITS.fullmatch(raw["nhs_number"]):
            return None
        try:
            nhs_number = normalise_nhs_number(raw["nhs_number"])
        except ValueError:
            return None
    escalations = tuple(part.strip() for part in raw["escalations"].split(";") if part.strip())
    if not all(code in _ESCALATIONS for code in escalations):
        return None
    return (
        call_id,
        site_ods.upper(),
        site_kind,
        nhs_number,
        channel,
        reason,
        intent,
        started,
        answered,
        ended,
        counterfactual,
        disposition,
        escalations,
        ed,
        admitted,
        gold,
    )


def _moment(text: str) -> datetime | None:
    if not _MOMENT.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def read_batches(file: CallFile) -> Iterator[Batch]:
    """The file's rows, checked, in batches of ``BATCH`` rows read. Raises FileRefused."""
    checker = CallChecker(file)
    read = [0]

    def progress(done: int, _total: int) -> None:
        read[0] = done

    batch = Batch()
    for line, raw in records(file.path, file.columns, progress, file.optional):
        batch.rows += 1
        record = checker.check(line, raw, batch.errors)
        if record is not None:
            batch.records.append(record)
        if batch.rows >= BATCH:
            batch.bytes_read = read[0]
            yield batch
            batch = Batch()
    batch.bytes_read = read[0]
    yield batch


@asynccontextmanager
async def call_batches(file: CallFile, *, parallel: bool) -> AsyncIterator[AsyncIterator[Batch]]:
    """The checked batches of a file, read in a second process when ``parallel``."""
    if not parallel:
        yield _here(file)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process with threads
    handoff: Any = context.Queue(maxsize=4)
    reader = context.Process(target=_read_in_process, args=(file, handoff), daemon=True)
    reader.start()
    try:
        yield _from_process(reader, handoff)
    finally:
        if reader.is_alive():
            reader.terminate()
        await asyncio.to_thread(reader.join)
        handoff.close()
        handoff.cancel_join_thread()


async def _here(file: CallFile) -> AsyncIterator[Batch]:
    for batch in read_batches(file):
        yield batch


async def _from_process(reader: Any, handoff: Any) -> AsyncIterator[Batch]:
    while True:
        kind, value = await asyncio.to_thread(_next_message, reader, handoff)
        if kind == "batch":
            yield value
        elif kind == "end":
            return
        elif kind == "refused":
            raise FileRefused(*value)
        else:
            raise RuntimeError(f"reading the call file failed:\n{value}")


def _next_message(reader: Any, handoff: Any) -> tuple[str, Any]:
    while True:
        try:
            message: tuple[str, Any] = handoff.get(timeout=_POLL_SECONDS)
            return message
        except queue.Empty:
            if not reader.is_alive():
                try:  # it may have finished just now
                    late: tuple[str, Any] = handoff.get(timeout=_POLL_SECONDS)
                    return late
                except queue.Empty:
                    return "failed", f"the reading process stopped (exit code {reader.exitcode})"


def _read_in_process(file: CallFile, handoff: Any) -> None:
    """The second process: read and check the whole file, handing over each batch.

    It makes no reference cycles and lives only as long as the import, while the call ids
    it has seen grow to millions: the cyclic collector would only rescan them.
    """
    gc.disable()
    try:
        for batch in read_batches(file):
            handoff.put(("batch", batch))
        handoff.put(("end", None))
    except FileRefused as exc:
        handoff.put(("refused", (exc.line, exc.reason)))
    except BaseException:  # noqa: BLE001 - reported to the importing process
        handoff.put(("failed", traceback.format_exc()))
