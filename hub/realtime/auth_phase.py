"""A socket's auth phase: its first frame, who it is, and its place under the socket caps.
Each step closes the socket itself when it refuses (``None``), leaving no state behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web
from pydantic import ValidationError

from hub.auth.principal import Principal
from hub.errors import HubError, Unauthorised, Unavailable
from hub.services import Services
from hub.settings import HubSettings
from schemas.errors import ErrorBody, ErrorCode
from schemas.wire import TOO_MANY_SOCKETS, Auth, AuthInvalid, CloseCode

from .connection import Connection
from .registry import Registry

log = logging.getLogger("hub.realtime")


async def first_frame(ws: web.WebSocketResponse, deadline: float) -> WSMessage | None:
    """The first frame (keepalives skipped) within the deadline; otherwise close, no state."""
    try:
        async with asyncio.timeout(deadline):
            msg = await ws.receive()
            while msg.type in (WSMsgType.PING, WSMsgType.PONG):  # keepalives may come first
                if msg.type is WSMsgType.PING:
                    await ws.pong(msg.data)
                msg = await ws.receive()
    except TimeoutError:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"auth timeout")
        return None
    return msg


async def principal_for(
    ws: web.WebSocketResponse, msg: WSMessage, services: Services, client: str
) -> Principal | None:
    """Who the first frame (a ticket or a device credential) says the client is."""
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
            principal = await services.identity.device_principal_for(auth.credential, client=client)
    except Unavailable:  # the database is away: the client tries again, it is not refused
        log.warning("auth phase could not complete: the database is unreachable")
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")
        return None
    except HubError as exc:
        frame = AuthInvalid(error=ErrorBody(code=exc.code, message=exc.message))
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(frame.model_dump_json())
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"auth failed")
        return None
    except Exception:  # the database is away: the client tries again, it is not refused
        log.exception("auth phase could not complete")
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")
        return None
    return principal


async def within_cap(
    ws: web.WebSocketResponse, conn: Connection, settings: HubSettings, registry: Registry
) -> bool:
    """At most HUB_SOCKETS_PER_USER / _PER_DEVICE sockets each on this process; one more is
    refused with a typed frame and close code, and changes nothing."""
    cap = settings.sockets_per_device if conn.is_device else settings.sockets_per_user
    if len(registry.of(conn.key)) < cap:
        return True
    log.info("refused a socket for %s: %d already open", conn.key, cap)
    frame = AuthInvalid(error=ErrorBody(code=ErrorCode.RATE_LIMITED, message=TOO_MANY_SOCKETS))
    with contextlib.suppress(ConnectionResetError):
        await ws.send_str(frame.model_dump_json())
    await ws.close(code=CloseCode.TOO_MANY_SOCKETS, message=TOO_MANY_SOCKETS.encode())
    return False
