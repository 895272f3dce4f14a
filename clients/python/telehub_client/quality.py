"""How a call went on this device, for ``call/quality``: seconds connected with video and
with audio alone, reconnects and whether a failure ended it. The client reports it itself
when it leaves the call, so nobody has to type it (and it never replaces the clinical
outcome)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class QualityTally:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: float | None = None
        self._video = False
        self.video_seconds = 0.0
        self.audio_only_seconds = 0.0
        self.reconnects = 0
        self.resumed = 0
        self.ended_by_failure = False

    def connected(self, *, video: bool) -> None:
        """Media is flowing from now on, with video or by audio alone."""
        self._settle()
        self._since, self._video = self._clock(), video

    def dropped(self) -> None:
        """The media connection was lost."""
        self._settle()
        self._since = None
        self.reconnects += 1

    def came_back(self, *, video: bool) -> None:
        """After a drop, media flows again."""
        self.resumed += 1
        self.connected(video=video)

    def failed(self) -> None:
        """The call ended because the connection failed."""
        self._settle()
        self._since = None
        self.ended_by_failure = True

    def _settle(self) -> None:
        if self._since is None:
            return
        now = self._clock()
        if self._video:
            self.video_seconds += now - self._since
        else:
            self.audio_only_seconds += now - self._since
        self._since = now

    def report(self) -> dict[str, Any]:
        """The ``call/quality`` fields, in whole seconds."""
        self._settle()
        return {
            "video_seconds": round(self.video_seconds),
            "audio_only_seconds": round(self.audio_only_seconds),
            "reconnects": self.reconnects,
            "resumed": min(self.resumed, self.reconnects),
            "ended_by_failure": self.ended_by_failure,
        }
