"""The websocket at /ws: an auth phase, then one read loop per client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import ValidationError

from hub.auth.principal import Principal
from hub.broker import broker_for, topics
from hub.calls.ice import ice_servers_for
from hub.calls.service import CallService
from hub.echo.service import EchoService
from hub.errors import HubError, Unauthorised
from hub.http.access import public
from hub.keys import CLOCK, DATABASE, IDENTITY, REALTIME, SETTINGS
from hub.messages.service import MessageService, thread_of
from schemas.errors import ErrorBody
from schemas.wire import Auth, AuthInvalid, AuthOk, MessageEvent, Who

from .commands import calls, echo, messages, presence, queue, session, signal
from .connection import Connection, Replay, Watermark
from .dispatch import CommandContext, Dispatcher, TokenBucket
from .fanout import Fanout
from .framing import pong_frame
from .heartbeat import beat_forever
from .registry import Registry
from .roster import Roster
from .services import Realtime, Services

log = logging.getLogger("hub.realtime")

HARD_FRAME_LIMIT = 1024 * 1024  # beyond this aiohttp closes the socket (1009)
routes = web.RouteTableDef()


async def realtime_context(app: web.Application) -> AsyncIterator[None]:
    settings, clock, db = app[SETTINGS], app[CLOCK], app[DATABASE]
    broker = broker_for(settings.broker_url)
    fanout = Fanout(broker)
    roster = Roster(db, clock)
    registry = Registry(on_call_change=roster.forget)
    services = Services(
        settings=settings,
        identity=app[IDENTITY],
        calls=CallService(db, clock, settings, fanout),
        messages=MessageService(db, clock, fanout),
        registry=registry,
        roster=roster,
        echo=EchoService(settings.echo_max_concurrent),
    )
    realtime = Realtime(
        services,
        Dispatcher(
            session.commands,
            calls.commands,
            queue.commands,
            signal.commands,
            messages.commands,
            echo.commands,
            presence.commands,
        ),
    )
    app[REALTIME] = realtime

    async def on_gap() -> None:
        await catch_up(services)

    await broker.start(registry.deliver, on_gap)
    timers = [
        asyncio.create_task(_sweep_forever(services), name="call timers"),
        asyncio.create_task(beat_forever(registry, settings.heartbeat_seconds), name="heartbeat"),
    ]
    try:
        yield
    finally:
        for timer in timers:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        for conn in list(registry.connections):
            await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"hub restarting")
        await services.echo.close()
        await broker.close()


async def close_sockets(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for handlers: tell every client to come back
    (1001 going away). Their calls' media carries on peer to peer meanwhile."""
    if REALTIME not in app:
        return
    for conn in list(app[REALTIME].services.registry.connections):
        with contextlib.suppress(Exception):
            await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"hub restarting")


async def _sweep_forever(services: Services) -> None:
    while True:
        await asyncio.sleep(1.0)
        try:
            await services.calls.sweep()
        except Exception:
            log.exception("call timers failed; trying again")


async def catch_up(services: Services) -> None:
    """After a missed doorbell: forget every cached roster, resend the queue and any thread
    messages not yet delivered."""
    services.roster.clear()
    await services.calls.queue_changed()
    for conn in list(services.registry.connections):
        topic, _ = thread_of(conn.principal)
        if topic not in conn.subscriptions:
            continue
        watermark = conn.delivered.setdefault(topic, Watermark())
        for message in await services.messages.after(conn.principal, watermark.contiguous):
            body = MessageEvent(message=message).model_dump(mode="json")
            sub_id = conn.subscriptions[topic]
            conn.send(json.dumps({"type": "event", "id": sub_id, "event": body}))
            watermark.add(message.hub_seq if topic == topics.HUB_THREAD else message.site_seq)


@routes.get("/ws")
@public  # authentication happens in the socket's own auth phase
async def websocket(request: web.Request) -> web.WebSocketResponse:
    realtime = request.app[REALTIME]
    services = realtime.services
    # Pings are ours (see heartbeat.py): aiohttp neither sends them nor answers them.
    ws = web.WebSocketResponse(autoping=False, max_msg_size=HARD_FRAME_LIMIT, compress=False)
    await ws.prepare(request)
    principal = await _auth_phase(ws, services)
    if principal is None:
        return ws
    conn = Connection(ws, principal, request.transport)
    services.registry.add(conn)
    own_topic = topics.participant(conn.key)
    services.registry.subscribe(conn, own_topic)
    held = conn.replays[own_topic] = Replay()  # nothing reaches the client before auth_ok
    try:
        resumed = await services.calls.connected(principal)
        scope = principal.scope
        who = Who(
            kind="device" if principal.is_device else "user",
            id=scope.device_id if principal.is_device else scope.user_id,  # type: ignore[arg-type]
            name=principal.name,
            role=scope.role,
            organisation_id=scope.organisation_id,
            participant_key=conn.key,
        )
        conn.send(
            AuthOk(
                who=who,
                ice_servers=ice_servers_for(services.settings, conn.key, request.app[CLOCK].now()),
                heartbeat_seconds=services.settings.heartbeat_seconds,
                resume_window_seconds=services.settings.resume_window_seconds,
                calls=resumed,
            ).model_dump_json()
        )
        conn.replays.pop(own_topic, None)
        for _, frame in held.held:
            conn.send(frame)
        # The read loop runs as its own task, not at the bottom of the HTTP handler's chain
        # of middlewares: every frame wakes it, and each wake-up passes down that chain.
        # Cancelling this handler (shutdown) cancels the task it awaits.
        await asyncio.create_task(_read(ws, conn, realtime), name=f"socket {conn.key}")
    finally:
        services.registry.remove(conn)
        await conn.stop()
        if not services.registry.is_connected(conn.key):
            with contextlib.suppress(Exception):
                await services.calls.disconnected(principal)
    return ws


async def _read(ws: web.WebSocketResponse, conn: Connection, realtime: Realtime) -> None:
    """Every frame from an authenticated client, until it closes."""
    handle = realtime.dispatcher.handle
    ctx = CommandContext(conn=conn, services=realtime.services)
    settings = realtime.services.settings
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


async def _auth_phase(ws: web.WebSocketResponse, services: Services) -> Principal | None:
    """The first frame must authenticate within the deadline; otherwise close, no state."""
    try:
        async with asyncio.timeout(services.settings.auth_timeout_seconds):
            msg = await ws.receive()
            while msg.type in (WSMsgType.PING, WSMsgType.PONG):  # keepalives may come first
                if msg.type is WSMsgType.PING:
                    await ws.pong(msg.data)
                msg = await ws.receive()
    except TimeoutError:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"auth timeout")
        return None
    try:
        if msg.type != WSMsgType.TEXT:
            raise Unauthorised("Send an auth frame first")
        try:
            auth = Auth.model_validate_json(msg.data)  # deep nesting is a ValidationError
        except ValidationError:
            raise Unauthorised("The first frame must be {type: auth, ticket|credential}") from None
        if auth.ticket is not None:
            principal = await services.identity.redeem_ticket(auth.ticket)
        else:
            assert auth.credential is not None
            principal = await services.identity.device_principal_for(auth.credential)
    except HubError as exc:
        frame = AuthInvalid(error=ErrorBody(code=exc.code, message=exc.message))
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(frame.model_dump_json())
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"auth failed")
        return None
    return principal
