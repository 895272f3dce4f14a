"""The websocket at /ws: an auth phase, then one read loop per client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from signal import SIGTERM

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web
from aiohttp.web_runner import GracefulExit

from hub.auth.principal import Principal
from hub.broker import topics
from hub.calls.ice import ice_servers_for
from hub.errors import Unavailable
from hub.http.access import public
from hub.http.client import client_address
from hub.http.page_context import WEBSOCKET_PATH
from hub.messages.service import thread_of
from hub.services import SERVICES, Services
from schemas.broker import Envelope
from schemas.wire import AuthOk, CallSnapshot, MessageEvent, Who

from .admission import RETRY_AFTER_SECONDS, Admission
from .auth_phase import first_frame, principal_for, within_cap
from .commands import calls, echo, messages, presence, quality, queue, session, signal
from .connection import Connection, Replay, Watermark
from .context import REALTIME, CommandContext, Realtime
from .dispatch import Dispatcher, TokenBucket
from .drain import Drain
from .framing import pong_frame
from .heartbeat import beat_forever
from .registry import Registry
from .revocation import Revoker, expire_forever
from .roster import Roster

log = logging.getLogger("hub.realtime")

HARD_FRAME_LIMIT = 1024 * 1024  # beyond this aiohttp closes the socket (1009)
READ_LOOP_GRACE_SECONDS = 10.0  # a cancelled socket's command in hand may take this long
routes = web.RouteTableDef()


async def realtime_context(app: web.Application) -> AsyncIterator[None]:
    """This process's websocket side, over the services ``hub.app`` built: the sockets'
    registry, the call rosters, the dispatcher, revocation and the drain."""
    services = app[SERVICES]
    settings, broker = services.settings, services.broker
    roster = Roster(services.database, services.clock)
    registry = Registry(on_call_change=roster.forget)
    revoker = Revoker(registry, broker, services.clock)
    drain = Drain(registry, settings.drain_seconds)
    realtime = Realtime(
        registry=registry,
        roster=roster,
        dispatcher=Dispatcher(
            session.commands,
            calls.commands,
            quality.commands,
            queue.commands,
            signal.commands,
            messages.commands,
            echo.commands,
            presence.commands,
            refusals=services.audit.refused,
        ),
        revoker=revoker,
        drain=drain,
        admission=Admission(backlog=settings.ws_auth_backlog),
    )
    app[REALTIME] = realtime
    services.identity.revocations = revoker

    async def on_gap() -> None:
        await catch_up(services, realtime)

    def deliver(envelope: Envelope) -> None:
        if envelope.topic == topics.REVOCATIONS:
            revoker.deliver(envelope)
        else:
            registry.deliver(envelope)

    await broker.start(deliver, on_gap)
    # Before any socket is taken: a process that finds itself alone adopts the participants
    # a lost process left, and one starting beside another is seen alive before it has
    # sockets of its own. A database that does not answer yet: the call timers retry, and
    # /ws and /readyz answer 503 until they have.
    try:
        await services.timers.started()
    except Unavailable:
        pass
    except Exception:  # e.g. not yet migrated: /readyz says so, and the timers retry
        log.warning("could not record this process's start yet; the call timers retry")
    timers = [
        asyncio.create_task(_sweep_forever(services), name="call timers"),
        asyncio.create_task(clinic_timers_forever(services), name="clinic timers"),
        asyncio.create_task(expire_forever(revoker, services.identity), name="session upkeep"),
        asyncio.create_task(beat_forever(registry, settings.heartbeat_seconds), name="heartbeat"),
    ]
    try:
        yield
    finally:
        for timer in timers:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await drain.begin()  # sockets still open (no SIGTERM drain ran): 1012, no windows
        await services.echo.close()
        await broker.close()


async def close_sockets(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for handlers: drain (see drain.py). Every client
    is told 1012 and comes back at once; their calls' media carries on peer to peer."""
    if REALTIME not in app:
        return
    await app[REALTIME].drain.begin()


async def exit_after_drain(app: web.Application) -> None:
    """``telehub serve``: SIGTERM drains (drain.py), then the process exits as on Ctrl-C."""
    loop = asyncio.get_running_loop()
    drain = app[REALTIME].drain

    def on_sigterm() -> None:
        drain.begin().add_done_callback(lambda _: loop.call_soon(_graceful_exit))

    loop.add_signal_handler(SIGTERM, on_sigterm)


def _graceful_exit() -> None:
    raise GracefulExit()  # out of the event loop, to web.run_app, which shuts down


async def _sweep_forever(services: Services) -> None:
    """The call timers, once a second. If the database did not answer at start, the first
    sweep records this process's start (the participants the hub lost while it was down),
    retried until it does."""
    while True:
        await asyncio.sleep(1.0)
        try:
            await services.timers.sweep()
        except Unavailable:
            log.warning("call timers: the database is unreachable; trying again")
        except Exception:
            log.exception("call timers failed; trying again")


async def clinic_timers_forever(services: Services) -> None:
    """Booked clinics' reminders and late flags (hub.appointments.waiting), every 5 seconds."""
    while True:
        await asyncio.sleep(5.0)
        try:
            await services.waiting_room.sweep()
        except Exception:
            log.exception("clinic timers failed; trying again")


async def catch_up(services: Services, realtime: Realtime) -> None:
    """After a missed doorbell: forget every cached roster, resend the queue and any thread
    messages not yet delivered. One database read per thread, not one per socket: every
    socket reading a thread gets what it lacks from the same batch."""
    await realtime.revoker.recheck(services.identity)  # a revocation may have been missed
    realtime.roster.clear()
    await services.announce.queue_changed()
    # Readers of one thread with the same role and organisation see exactly the same rows.
    readers: dict[tuple[str, str, int], list[Connection]] = {}
    for conn in list(realtime.registry.connections):
        topic, _ = thread_of(conn.principal)
        if topic in conn.subscriptions and topic not in conn.replays:  # a replay covers it
            scope = conn.principal.scope
            readers.setdefault((topic, scope.role, scope.organisation_id), []).append(conn)
    for (topic, _role, _org), conns in readers.items():
        marks = [conn.delivered.setdefault(topic, Watermark()) for conn in conns]
        after = min(mark.contiguous for mark in marks)
        while True:
            batch = await services.messages.after(conns[0].principal, after)
            for message in batch:
                seq = getattr(message, topics.seq_field(topic)) or 0
                body = MessageEvent(message=message).model_dump(mode="json")
                for conn, mark in zip(conns, marks, strict=True):
                    if seq > mark.contiguous and not conn.closed:
                        sub_id = conn.subscriptions.get(topic, 0)
                        conn.send(json.dumps({"type": "event", "id": sub_id, "event": body}))
                        mark.add(seq)
                after = seq
            if len(batch) < 500:
                break


@routes.get(WEBSOCKET_PATH)
@public  # authentication happens in the socket's own auth phase
async def websocket(request: web.Request) -> web.WebSocketResponse:
    services, realtime = request.app[SERVICES], request.app[REALTIME]
    if realtime.drain.draining:  # before the upgrade, so a load balancer tries another
        raise web.HTTPServiceUnavailable(text="draining", headers={"Retry-After": "1"})
    if not services.timers.ready:  # not yet recorded as alive (the database was away)
        raise web.HTTPServiceUnavailable(text="starting", headers={"Retry-After": "1"})
    admission = realtime.admission
    if admission.full:  # a herd: refused before any work, and told when to come back
        raise web.HTTPServiceUnavailable(
            text="busy", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    # Pings are ours (see heartbeat.py): aiohttp neither sends them nor answers them.
    ws = web.WebSocketResponse(autoping=False, max_msg_size=HARD_FRAME_LIMIT, compress=False)
    async with admission.auth_phase():
        await ws.prepare(request)
        msg = await first_frame(ws, services.settings.auth_timeout_seconds)
        if msg is None:
            return ws
        conn = await _register(ws, msg, request, services, realtime)
    if conn is None:
        return ws
    try:
        # The read loop runs as its own task, not at the bottom of the HTTP handler's chain
        # of middlewares: every frame wakes it, and each wake-up passes down that chain.
        reading = asyncio.create_task(
            _read(ws, CommandContext(conn, services, realtime)), name=f"socket {conn.key}"
        )
        try:
            await asyncio.shield(reading)
        except asyncio.CancelledError:
            await _finish_reading(reading)
            raise
    finally:
        await _forget(conn, services, realtime)
    return ws


async def _finish_reading(reading: asyncio.Task[None]) -> None:
    """This socket's handler was cancelled: at shutdown, or, with aiohttp's handler
    cancellation on (its test server; ``hub.http.runner`` turns it off for ``telehub
    serve``), when the client's connection was lost. The command in hand finishes rather
    than being cancelled half way through its transaction: on SQLite a write cancelled
    mid-statement could leave the database's write lock held, and every other write in the
    hub waited out the 30 s busy timeout behind it. With the connection gone, the read loop
    ends at its next read; one that does not within READ_LOOP_GRACE_SECONDS is cancelled."""
    done, _ = await asyncio.wait({reading}, timeout=READ_LOOP_GRACE_SECONDS)
    if not done:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading


async def _register(
    ws: web.WebSocketResponse,
    msg: WSMessage,
    request: web.Request,
    services: Services,
    realtime: Realtime,
) -> Connection | None:
    """Who the client is, its place in its calls and its ``auth_ok``: the connection, or
    None when it was refused (the socket closed)."""
    principal = await principal_for(ws, msg, services, client_address(request))
    if principal is None:
        return None
    conn = Connection(ws, principal, request.transport)
    if not await within_cap(ws, conn, services.settings, realtime.registry):
        return None
    realtime.registry.add(conn)
    registered = False
    try:
        realtime.revoker.watch(conn)
        own_topic = topics.participant(conn.key)
        realtime.registry.subscribe(conn, own_topic)
        if not principal.scope.is_hub:  # a site's sockets hear its clinic reminders
            realtime.registry.subscribe(conn, topics.site_news(principal.scope.organisation_id))
        held = conn.replays[own_topic] = Replay()  # nothing reaches the client before auth_ok
        try:
            resumed = await services.participants.connected(principal)
        except Exception:
            log.exception("auth phase of %s could not complete", conn.key)
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")
            return None
        conn.send(_auth_ok(principal, conn.key, services, resumed))
        conn.replays.pop(own_topic, None)
        for _, frame in held.held:
            conn.send(frame)
        registered = True
    finally:
        if not registered:
            await _forget(conn, services, realtime)
    return conn


def _auth_ok(
    principal: Principal, key: str, services: Services, resumed: list[CallSnapshot]
) -> str:
    scope, settings = principal.scope, services.settings
    who = Who(
        kind="device" if principal.is_device else "user",
        id=scope.device_id if principal.is_device else scope.user_id,  # type: ignore[arg-type]
        name=principal.name,
        role=scope.role,
        organisation_id=scope.organisation_id,
        participant_key=key,
        person_id=scope.person_id,
        relationship=principal.relationship,
    )
    return AuthOk(
        who=who,
        ice_servers=ice_servers_for(settings, key, services.clock.now()),
        ice_transport_policy=settings.ice_transport_policy,
        heartbeat_seconds=settings.heartbeat_seconds,
        resume_window_seconds=settings.resume_window_seconds,
        calls=resumed,
    ).model_dump_json()


async def _forget(conn: Connection, services: Services, realtime: Realtime) -> None:
    """A registered socket is gone (or its registration failed)."""
    realtime.registry.remove(conn)
    await conn.stop()
    # A socket the drain closed is not a participant who went: no resume window starts.
    if not realtime.drain.draining and not realtime.registry.is_connected(conn.key):
        with contextlib.suppress(Exception):
            await services.participants.disconnected(conn.principal)


async def _read(ws: web.WebSocketResponse, ctx: CommandContext) -> None:
    """Every frame from an authenticated client, until it closes."""
    conn = ctx.conn
    handle = ctx.realtime.dispatcher.handle
    settings = ctx.services.settings
    bucket = TokenBucket(settings.command_rate_per_second, settings.command_burst)
    while True:  # ws.receive() direct: `async for` adds a coroutine per frame
        msg = await ws.receive()
        conn.heard = True
        kind = msg.type
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
            await handle(ctx, msg.data, bucket)
        elif kind is WSMsgType.PING:
            if bucket.take():  # a client's pings cost from its budget too
                conn.control(pong_frame(msg.data))
        elif kind is not WSMsgType.PONG:
            break  # closing, closed or an error
