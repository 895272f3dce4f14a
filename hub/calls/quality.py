"""``call/quality``: a participant's client reports how the call went on its device
(minutes of video and audio only, reconnects, a failure), recorded apart from the clinical
outcome and durable before the hub answers."""

from __future__ import annotations

from hub.auth.principal import Principal
from hub.clock import Clock
from hub.storage.engine import Database
from hub.storage.repos.quality import MEASURED, QualityRepo
from schemas.wire import CallQuality


async def record_quality(db: Database, clock: Clock, p: Principal, cmd: CallQuality) -> None:
    async with db.session() as s:
        await QualityRepo(s, clock).report(
            p.scope,
            call_id=cmd.call_id,
            reporter=p.key,  # how the call's roster names someone
            **{name: getattr(cmd, name) for name in MEASURED},
        )
