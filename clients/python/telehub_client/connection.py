"""One websocket to the hub, with ids, replies, events, reconnection and message resume.

The client keeps every message it has shown by its thread sequence number, so a message
delivered twice (after a reconnect) is shown once, and asks the hub to replay the thread
from the last sequence number it has on every (re)connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("telehub_client")

Auth = Callable[[], Awaitable[dict[str, Any]]]
GAP_WAIT_SECONDS = 2.0
Listener = Callable[[dict[str, Any]], bool | None]
"""Called with an event body as it arrives; a true return consumes it (not queued)."""


# Seconds before each reconnection attempt: at once (a hub that is restarting closes with
# 1012, and another process, or this one restarted, is ready for us), then backing off.
RECONNECT_SCHEDULE = (0.0, 0.3, 1.2, 2.7, 4.8, 7.0)
RECONNECT_JITTER = 0.25  # each wait but the first, ±25%: tablets do not come back in step
SERVICE_RESTART = 1012


# While nothing answers (the connection refused, or a proxy's 502, 503 or 504: the hub is
# restarting), an attempt costs the hub nothing, so for the first 30 s of that the client
# tries every half second (jittered like the rest) instead of backing off: it is back
# within about half a second of the hub being ready, not up to 7 s later. A hub that answers
# and refuses (its database away, a burst of sign-ins) is given the back-off schedule.
UNREACHABLE_WAIT = 0.5
UNREACHABLE_FAST_SECONDS = 30.0
UNREACHABLE_STATUSES = frozenset({502, 503, 504})

# An attempt not answered (auth_ok or a refusal) within this many seconds is given up and
# counts as nothing having answered: a network that swallows the auth frame, or a hub that
# never answers it, must not hold a client for good (as clients/web/shared/signalling.js).
ATTEMPT_DEADLINE_SECONDS = 15.0


# A hub taking a herd of returning clients refuses the ones beyond its auth-phase backlog
# with 503 and Retry-After (seconds): the client waits 0.5 to 1.5 times that, so the
# refused come back spread over a second rather than in step.
RETRY_AFTER_SPREAD = 0.5


def _jittered(base: float, pick: random.Random) -> float:
    return base * (1 + RECONNECT_JITTER * (2 * pick.random() - 1))


def reconnect_delays(rng: random.Random | None = None) -> Iterator[float]:
    """The waits before each reconnection attempt, for ever: 0, 0.3, 1.2, 2.7, 4.8, then 7 s
    (all but the first jittered)."""
    pick = rng or random.Random()
    for attempt in itertools.count():
        yield reconnect_wait(attempt, None, pick)


def reconnect_wait(
    attempt: int,
    unreachable_for: float | None,
    rng: random.Random | None = None,
    *,
    retry_after: float | None = None,
) -> float:
    """The wait before reconnection attempt ``attempt`` (0 first): the back-off schedule, or
    at most ``UNREACHABLE_WAIT`` (jittered) while nothing has answered for less than
    ``UNREACHABLE_FAST_SECONDS`` (``unreachable_for``: seconds since the first attempt that
    nothing answered, None when the hub answered the last one). A hub that said when to
    come back (``retry_after``, seconds) is taken at its word, spread by half either way."""
    if attempt == 0:
        return 0.0
    pick = rng or random.Random()
    if retry_after is not None:
        return retry_after * (1 + RETRY_AFTER_SPREAD * (2 * pick.random() - 1))
    base = RECONNECT_SCHEDULE[min(attempt, len(RECONNECT_SCHEDULE) - 1)]
    if unreachable_for is not None and unreachable_for < UNREACHABLE_FAST_SECONDS:
        base = min(base, UNREACHABLE_WAIT)
    return _jittered(base, pick)


def _retry_after(exc: Exception) -> float | None:
    """The seconds a refusing hub asked us to wait (503 with Retry-After), if it did."""
    if not isinstance(exc, websockets.InvalidStatus):
        return None
    value = exc.response.headers.get("Retry-After", "")
    try:
        return max(0.0, min(float(value), UNREACHABLE_FAST_SECONDS))
    except ValueError:
        return None  # absent, or an HTTP date: the schedule instead


def _unreachable(exc: Exception) -> bool:
    """Nothing answered: no hub listening, or a proxy saying its upstream is not there."""
    if isinstance(exc, websockets.InvalidStatus):
        return exc.response.status_code in UNREACHABLE_STATUSES
    return isinstance(exc, OSError | TimeoutError)


class CommandFailed(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.field = code, message, field


class Disconnected(Exception):
    """The socket dropped before the hub answered; the command may or may not have run."""


# Close codes with which the hub ends access (schemas.wire.CloseCode): after these the
# client shows the hub's reason instead of reconnecting. 4401 (signed out, or the session
# expired) may be retried with fresh credentials; these may not.
FINAL_CLOSE_CODES = frozenset({4403, 4429})


class AccessEnded(Exception):
    """The hub closed the socket for good (the tablet was removed, the account disabled)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class HubConnection:
    """Connect with ``await HubConnection.open(url, auth)``; ``auth`` returns the auth frame
    (``{"type": "auth", "credential": ...}`` or a fresh staff ticket) each time it is called."""

    def __init__(self, url: str, auth: Auth, *, resume_messages: bool = False) -> None:
        self.url = url
        self._auth = auth
        self.attempt_deadline = ATTEMPT_DEADLINE_SECONDS
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.auth_ok: dict[str, Any] = {}
        self.resume_messages = resume_messages
        self.messages: dict[int, dict[str, Any]] = {}  # shown messages, by thread sequence
        self.shown_order: list[int] = []  # the order messages were shown in
        self._ahead: dict[int, dict[str, Any]] = {}  # arrived before an earlier one
        self._gap_timer: asyncio.TimerHandle | None = None
        self.last_seq = 0
        self.duplicates_suppressed = 0
        self.message_arrived = asyncio.Event()
        self.connects = 0
        self.lost = asyncio.Event()  # set when the socket closes, cleared on (re)connection
        # The hub's close code and reason for the last socket it closed, if it gave one.
        self.closed_by_hub: tuple[int, str] | None = None
        self.close_code: int | None = None  # how the hub closed the last socket
        self._listeners: dict[str, list[Listener]] = {}

    @classmethod
    async def open(cls, url: str, auth: Auth, *, resume_messages: bool = False) -> HubConnection:
        conn = cls(url, auth, resume_messages=resume_messages)
        await conn.connect()
        return conn

    @property
    def seq_field(self) -> str:
        if self.auth_ok.get("who", {}).get("person_id") is not None:
            return "person_seq"  # a device enrolled to one person reads their own thread
        return (
            "hub_seq"
            if self.auth_ok.get("who", {}).get("role") not in ("care_home_staff", "prison_staff")
            else "site_seq"
        )

    @property
    def access_ended(self) -> AccessEnded | None:
        """Why the hub ended this client's access for good, if it has: do not reconnect."""
        if self.closed_by_hub is None or self.closed_by_hub[0] not in FINAL_CLOSE_CODES:
            return None
        return AccessEnded(*self.closed_by_hub)

    async def connect(self) -> dict[str, Any]:
        ended = self.access_ended
        if ended is not None:
            raise ended
        async with asyncio.timeout(self.attempt_deadline):
            ws = await websockets.connect(self.url, max_size=2**20, compression=None)
            try:
                await ws.send(json.dumps(await self._auth()))
                first = json.loads(await ws.recv())
            except BaseException:
                ws.transport.abort()  # given up (or lost): leave nothing half open
                raise
        if first.get("type") != "auth_ok":
            await ws.close()
            error = first.get("error", {})
            raise CommandFailed(error.get("code", "unauthorised"), error.get("message", str(first)))
        self._ws = ws
        self.auth_ok = first
        self.connects += 1
        self.lost.clear()
        self._reader = asyncio.create_task(self._read(ws))
        if self.resume_messages:
            await self.command("message/sync", after_seq=self.last_seq)
        return first

    async def come_back(
        self,
        *,
        attempts: int | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> dict[str, Any]:
        """Reconnect on the schedule (``reconnect_wait``) until the hub takes us back;
        returns its ``auth_ok``. A refused credential (``CommandFailed``) is not retried."""
        last: Exception = Disconnected()
        pick = rng or random.Random()
        loop = asyncio.get_running_loop()
        unreachable_since: float | None = None
        for attempt in itertools.count():
            if attempts is not None and attempt >= attempts:
                break
            unreachable_for = None if unreachable_since is None else loop.time() - unreachable_since
            wait = reconnect_wait(attempt, unreachable_for, pick, retry_after=_retry_after(last))
            if wait:
                await sleep(wait)
            started = loop.time()
            try:
                return await self.connect()
            except (OSError, Disconnected, TimeoutError, ConnectionClosed) as exc:
                last = exc
            except websockets.InvalidHandshake as exc:  # 503 from a draining hub, or one starting
                last = exc
            if not _unreachable(last):
                unreachable_since = None
            elif unreachable_since is None:
                unreachable_since = started
        raise last

    async def reconnect(self) -> dict[str, Any]:
        await self.drop()
        return await self.connect()

    async def drop(self) -> None:
        """Cut the socket abruptly, as a lost network would."""
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.transport.abort()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._fail_pending()

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._fail_pending()

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(Disconnected())
        self._pending.clear()

    async def command(self, type_: str, **fields: Any) -> Any:
        if self._ws is None:
            raise Disconnected()
        command_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        try:
            await self._ws.send(json.dumps({"type": type_, "id": command_id, **fields}))
        except ConnectionClosed:
            self._pending.pop(command_id, None)
            raise Disconnected() from None
        return await future

    async def send_raw(self, text: str | bytes) -> None:
        assert self._ws is not None
        await self._ws.send(text)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind in ("result", "error") and frame.get("id") in self._pending:
                    future = self._pending.pop(frame["id"])
                    if kind == "result":
                        future.set_result(frame.get("result"))
                    else:
                        e = frame["error"]
                        future.set_exception(CommandFailed(e["code"], e["message"], e.get("field")))
                elif kind == "event" and frame["event"].get("kind") == "message":
                    self._on_message(frame["event"]["message"])
                elif kind == "event" and self._heard(frame["event"]):
                    pass
                else:
                    await self.events.put(frame)
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code >= 4000:
                self.closed_by_hub = (closed.rcvd.code, closed.rcvd.reason)
        finally:
            self.close_code = ws.close_code
            self._fail_pending()
            if self._ws is ws or self._ws is None:
                self.lost.set()

    def listen(self, kind: str, listener: Listener) -> Callable[[], None]:
        """Hear every event of ``kind`` as it arrives (before ``next_event`` sees it).

        A listener that returns true consumes the event; otherwise it is queued as before.
        Returns a function that stops listening."""
        self._listeners.setdefault(kind, []).append(listener)

        def stop() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.get(kind, []).remove(listener)

        return stop

    def _heard(self, event: dict[str, Any]) -> bool:
        consumed = False
        for listener in list(self._listeners.get(str(event.get("kind")), ())):
            try:
                consumed = bool(listener(event)) or consumed
            except Exception:
                log.exception("event listener failed")
        return consumed

    def _on_message(self, message: dict[str, Any]) -> None:
        """Show each message once, in sequence order. One that arrives ahead of a gap waits
        for the gap to fill (briefly: then the client asks the hub to replay from it)."""
        seq = int(message[self.seq_field])
        if seq <= self.last_seq or seq in self._ahead:
            self.duplicates_suppressed += 1
            return
        self._ahead[seq] = message
        while self.last_seq + 1 in self._ahead:
            self.last_seq += 1
            self.messages[self.last_seq] = self._ahead.pop(self.last_seq)
            self.shown_order.append(self.last_seq)
            self.message_arrived.set()
        if self._ahead and self._gap_timer is None:
            loop = asyncio.get_running_loop()
            self._gap_timer = loop.call_later(GAP_WAIT_SECONDS, self._fill_gap)

    def _fill_gap(self) -> None:
        self._gap_timer = None
        if self._ahead and self._ws is not None:
            task = asyncio.create_task(self.command("message/sync", after_seq=self.last_seq))
            task.add_done_callback(lambda t: t.exception())

    async def next_event(
        self,
        kind: str,
        where: Callable[[dict[str, Any]], bool] = lambda e: True,
        within: float = 10.0,
    ) -> dict[str, Any]:
        """The next event of ``kind`` matching ``where``; earlier non-matching ones are dropped."""
        async with asyncio.timeout(within):
            while True:
                frame = await self.events.get()
                event = frame.get("event", {})
                if frame.get("type") == "event" and event.get("kind") == kind and where(event):
                    return event

    async def wait_for_messages(self, count: int, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            while len(self.messages) < count:
                self.message_arrived.clear()
                await self.message_arrived.wait()
