"""A lean websocket client for the load generator: each frame handled as it arrives.

aiohttp's client wakes a task for every frame it receives. The hub answers every command
with a `result` as well as relaying it, so a load generator on aiohttp's client read twice
the frames per hub round trip as per bare one and ran its core at 90 to 95 % against the
hub (70 to 80 % against the bare relay): in the hub's rounds it, not the server under
test, set part of the pace. This client parses frames in ``data_received`` and hands each
text frame to a plain callback; it answers pings and the closing handshake by itself.

Client frames are masked with an all-zero key. RFC 6455 requires a mask and allows any key
(an unpredictable one protects proxies on the open internet, not loopback); a zero key leaves
the payload as it is, so there is no Python loop over its bytes. The servers unmask as usual.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_ZERO_MASK = b"\x00\x00\x00\x00"


class HandshakeFailed(ConnectionError):
    pass


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked (zero key) client frame."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _ZERO_MASK + payload


class FrameSocket(asyncio.Protocol):
    """One websocket. Text frames go to ``on_text``; by default they wait in ``inbox``
    for :meth:`receive_text` (set-up commands), until :meth:`hand_text_to` gives them to a
    handler of the load generator's."""

    def __init__(self, key: str, request: bytes) -> None:
        self._key = key
        self._request = request
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments: list[bytes] = []
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.inbox: deque[str] = deque()
        self._arrived = asyncio.Event()
        self.on_text: Callable[[str], None] = self._keep
        self.closed = False
        self.close_code: int | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded and not self._read_handshake():
            return
        pos, end = 0, len(buffer)
        while end - pos >= 2:
            first, second = buffer[pos], buffer[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if end - pos < 4:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if end - pos < 10:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 10], "big"), 10
            if end - pos < head + length:
                break
            payload = bytes(buffer[pos + head : pos + head + length])
            pos += head + length
            self._frame(first & 0x80, first & 0x0F, payload)
        del buffer[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.close_code is None:
            self.close_code = 1006  # gone without a closing handshake
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeFailed("connection closed during handshake"))
        if not self.finished.done():
            self.finished.set_result(None)
        self._arrived.set()

    # -- frames ----------------------------------------------------------------------------
    def _read_handshake(self) -> bool:
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        del buffer[: end + 4]
        expected = base64.b64encode(hashlib.sha1(self._key.encode() + _GUID).digest()).decode()
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if not head[0].startswith("HTTP/1.1 101") or fields.get("sec-websocket-accept") != expected:
            self.handshake.set_exception(HandshakeFailed(f"refused: {head[0]}"))
            assert self._transport is not None
            self._transport.close()
            return False
        self._upgraded = True
        self.handshake.set_result(None)
        return True

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode == TEXT or (opcode == 0 and self._fragments):
            self._fragments.append(payload)
            if fin:
                text = b"".join(self._fragments).decode()
                self._fragments.clear()
                self.on_text(text)
        elif opcode == PING:
            self._write(client_frame(PONG, payload))
        elif opcode == CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.closed:
                self._write(client_frame(CLOSE, payload[:2]))
                self.closed = True
            assert self._transport is not None
            self._transport.close()

    def _keep(self, text: str) -> None:
        self.inbox.append(text)
        self._arrived.set()

    def _write(self, frame: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(frame)

    # -- the caller's side -----------------------------------------------------------------
    def send_text(self, text: str) -> None:
        if self.closed or self._transport is None or self._transport.is_closing():
            raise ConnectionResetError("socket closed")
        self._transport.write(client_frame(TEXT, text.encode()))

    async def receive_text(self, within: float) -> str:
        """The next text frame kept in the inbox (while ``on_text`` is the default)."""
        async with asyncio.timeout(within):
            while not self.inbox:
                if self.closed:
                    raise ConnectionResetError(f"socket closed ({self.close_code})")
                self._arrived.clear()
                await self._arrived.wait()
        return self.inbox.popleft()

    def hand_text_to(self, on_text: Callable[[str], None]) -> None:
        """Text frames go to ``on_text`` from now on; any left over from set-up are dropped."""
        self.inbox.clear()
        self.on_text = on_text

    def ignore_text(self) -> None:
        """Drop text frames from now on (a socket left idle); pings are still answered."""
        self.hand_text_to(_drop)

    async def close(self, within: float = 5.0) -> None:
        """The closing handshake: our close frame, then wait for the server to hang up."""
        if self._transport is None:
            return
        if not self.closed:
            self.closed = True
            self._write(client_frame(CLOSE, (1000).to_bytes(2, "big")))
        try:
            await asyncio.wait_for(asyncio.shield(self.finished), within)
        except TimeoutError:
            self.abort()

    def abort(self) -> None:
        """Drop the connection without a closing handshake."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()


def _drop(_text: str) -> None:
    pass


async def open_socket(url: str) -> FrameSocket:
    """Connect to ``ws://host:port/path?query`` and complete the opening handshake."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None or parts.port is None:
        raise ValueError(f"need ws://host:port/..., not {url!r}")
    key = base64.b64encode(os.urandom(16)).decode()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(
        lambda: FrameSocket(key, request), parts.hostname, parts.port
    )
    await asyncio.wait_for(sock.handshake, 60)
    return sock
