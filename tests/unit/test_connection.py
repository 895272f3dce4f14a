"""A socket's frames go out in the order given, straight away or through its backlog."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.auth.principal import Principal
from hub.realtime.connection import DIRECT_FRAME_CHARS, HIGH_WATER, Connection
from hub.realtime.framing import PING, PONG, TEXT, ping_frame, pong_frame
from hub.realtime.heartbeat import Heartbeat
from hub.realtime.registry import Registry
from hub.storage.scope import Scope
from schemas.codes import Role


class Transport(asyncio.WriteTransport):
    """Keeps what is written to it, as the text of each whole frame."""

    def __init__(self) -> None:
        super().__init__()
        self.buffered = 0
        self.frames: list[tuple[int, bytes]] = []  # (opcode, payload)
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        data = bytes(data)
        assert data[0] & 0x80, "frames are whole (FIN set)"
        size = data[1] & 0x7F
        offset = 2
        if size == 126:
            size, offset = int.from_bytes(data[2:4]), 4
        elif size == 127:
            size, offset = int.from_bytes(data[2:10]), 10
        assert len(data) == offset + size, "one write is one frame"
        self.frames.append((data[0] & 0x0F, data[offset:]))

    def texts(self) -> list[str]:
        return [payload.decode() for opcode, payload in self.frames if opcode == TEXT]

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True


class Socket:
    """Records frames; while ``stalled`` is unset each send waits, as a full socket does."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.stalled = asyncio.Event()
        self.stalled.set()
        self.closed_with: int | None = None
        self.closed = False

    async def send_str(self, frame: str) -> None:
        await self.stalled.wait()
        self.sent.append(frame)

    async def close(self, *, code: int, message: bytes) -> None:
        self.closed_with = code


def _connection(transport: Transport | None) -> tuple[Connection, Socket]:
    socket = Socket()
    principal = Principal(Scope(role=Role.HUB_NURSE, organisation_id=1, user_id=3), "Nurse")
    ws: Any = socket
    return Connection(ws, principal, transport), socket


async def test_a_frame_to_an_idle_socket_is_written_before_write_returns() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    conn.write("one")
    conn.write("zoë " + "x" * 300)  # a longer header, and not ASCII
    assert transport.texts() == ["one", "zoë " + "x" * 300]
    assert socket.sent == []  # straight onto the transport, not through aiohttp


async def test_frames_behind_a_full_socket_queue_and_go_in_order() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    transport.buffered = 1  # the kernel has not taken everything yet
    socket.stalled.clear()
    conn.send("one")
    conn.write("two")
    transport.buffered = 0
    conn.write("three")  # the backlog is not empty: it waits its turn
    conn.send("four")
    assert socket.sent == []
    socket.stalled.set()
    await conn.stop()
    assert socket.sent == ["one", "two", "three", "four"]
    assert transport.frames == []


async def test_large_frames_and_sockets_without_a_transport_use_the_backlog() -> None:
    conn, socket = _connection(Transport())
    socket.stalled.clear()
    conn.write("x" * (DIRECT_FRAME_CHARS + 1))
    bare, bare_socket = _connection(None)
    bare.write("y")
    assert socket.sent == [] and bare_socket.sent == []
    socket.stalled.set()
    await conn.stop()
    await bare.stop()
    assert socket.sent == ["x" * (DIRECT_FRAME_CHARS + 1)] and bare_socket.sent == ["y"]


async def test_a_client_that_stops_reading_is_cut_off_at_the_high_water_mark() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    transport.buffered = 1
    socket.stalled.clear()
    for n in range(HIGH_WATER + 1):
        conn.send(str(n))
    assert conn.closed
    conn.write("after")  # ignored once closed
    socket.stalled.set()
    await conn.stop()  # the close (scheduled first) has run by the time the writer is done
    assert socket.closed_with == 1013
    assert "after" not in socket.sent and len(socket.sent) < HIGH_WATER


async def test_a_socket_that_aiohttp_has_closed_gets_no_more_frames_or_pings_direct() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    socket.closed = True  # the close frame has gone: nothing may follow it
    conn.write("late")
    conn.control(ping_frame())
    await conn.stop()
    assert transport.frames == []


async def test_a_ping_or_pong_goes_at_once_even_behind_a_backlog() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    transport.buffered = 1
    socket.stalled.clear()
    conn.send("queued")
    conn.control(ping_frame())
    conn.control(pong_frame(b"abc"))
    assert transport.frames == [(PING, b""), (PONG, b"abc")]
    socket.stalled.set()
    await conn.stop()


async def test_each_interval_pings_every_socket_and_drops_whoever_sent_nothing_since() -> None:
    registry = Registry()
    heartbeat = Heartbeat(registry, slices=4)
    transports = [Transport() for _ in range(8)]
    conns = [_connection(t)[0] for t in transports]
    for conn in conns:
        registry.add(conn)

    def one_interval() -> int:
        return sum(heartbeat.tick() for _ in range(heartbeat.slices))

    pinged_per_tick = []
    for _ in range(heartbeat.slices):
        before = sum(len(t.frames) for t in transports)
        heartbeat.tick()
        pinged_per_tick.append(sum(len(t.frames) for t in transports) - before)
    assert pinged_per_tick == [2, 2, 2, 2]  # spread over the interval, not all at once
    assert all(t.frames == [(PING, b"")] for t in transports)

    talking, silent = conns[:4], conns[4:]
    for conn in talking:
        conn.heard = True  # its pong (or any frame) came back; the others stayed silent
    assert one_interval() == 4
    assert all(c.closed and t.aborted for c, t in zip(silent, transports[4:], strict=True))
    assert not any(t.aborted for t in transports[:4])
    assert all(t.frames == [(PING, b""), (PING, b"")] for t in transports[:4])
    assert one_interval() == 4  # and the talking ones, once they too go quiet
    assert all(t.aborted for t in transports)
