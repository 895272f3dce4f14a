"""The demo's call history: a year of calls in plausible proportions (reasons, what the home
would have done, outcomes, escalations and 72-hour follow-ups), inserted in bulk.

How many calls each site has and when they start is here; the proportions are
``demo_case_mix.py``'s and each call's rows ``demo_call.py``'s.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from hub.demo_call import HistoryRows, one_call
from hub.demo_case_mix import HOUR_WEIGHTS, poisson
from hub.storage.repos.quality import FAILURE_COLUMNS, failure_row
from hub.storage.tables import (
    Call,
    CallEvent,
    CallQualityReport,
    Escalation,
    FollowUpTask,
    Organisation,
    Outcome,
    Person,
    User,
)
from schemas.codes import Disposition

BATCH = 2000


async def call_history(
    s: Any,
    rng: random.Random,
    sites: Sequence[Organisation],
    people: Sequence[Person],
    nurses: Sequence[User],
    specialist: User,
    now: datetime,
    months: int,
) -> int:
    by_site: dict[int, list[Person]] = {}
    for person in people:
        by_site.setdefault(person.site_id, []).append(person)
    start = now - timedelta(days=round(months * 30.44))
    days = (now - start).days
    rows = HistoryRows()
    for site in sites:
        assert site.id is not None
        residents = by_site[site.id]
        # About 3 calls per 10 beds a month; services without beds scale with their patients.
        per_day = (site.registered_beds or len(residents) * 2) * 0.3 / 30.44
        total = sum(1 for _ in range(days) for _ in range(poisson(rng, per_day)))
        for _ in range(total):
            day = now - timedelta(days=rng.uniform(0, days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started = day.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            if started >= now - timedelta(hours=1):
                continue
            one_call(rng, rows, site, residents, nurses, specialist, started, now)
    failures = [  # its failure is the call's quality record, apart from the disposition
        dict(zip(FAILURE_COLUMNS, failure_row(c["id"], c["closed_at"]), strict=True))
        for c in rows.calls
        if c["disposition"] == Disposition.NOT_RECORDED.value
    ]
    for table, batch in (
        (Call, rows.calls),
        (CallEvent, rows.events),
        (CallQualityReport, failures),
        (Outcome, rows.outcomes),
        (Escalation, rows.escalations),
        (FollowUpTask, rows.followups),
    ):
        for chunk in range(0, len(batch), BATCH):
            await s.exec(insert(table), params=batch[chunk : chunk + BATCH])
    return len(rows.calls)
