"""A socket's frames go out in the order given, straight away or through its backlog."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.auth.principal import Principal
from hub.realtime.connection import DIRECT_FRAME_CHARS, HIGH_WATER, Connection
from hub.storage.scope import Scope
from schemas.codes import Role


class Transport(asyncio.WriteTransport):
    def __init__(self) -> None:
        super().__init__()
        self.buffered = 0

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return False


class Socket:
    """Records frames; while ``stalled`` is unset each send waits, as a full socket does."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.stalled = asyncio.Event()
        self.stalled.set()
        self.closed_with: int | None = None

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
    conn, socket = _connection(Transport())
    await conn.write("one")
    assert socket.sent == ["one"]


async def test_frames_behind_a_full_socket_queue_and_go_in_order() -> None:
    transport = Transport()
    conn, socket = _connection(transport)
    transport.buffered = 1  # the kernel has not taken everything yet
    socket.stalled.clear()
    conn.send("one")
    await conn.write("two")
    transport.buffered = 0
    await conn.write("three")  # the backlog is not empty: it waits its turn
    conn.send("four")
    assert socket.sent == []
    socket.stalled.set()
    await conn.stop()
    assert socket.sent == ["one", "two", "three", "four"]


async def test_large_frames_and_sockets_without_a_transport_use_the_backlog() -> None:
    conn, socket = _connection(Transport())
    socket.stalled.clear()
    await conn.write("x" * (DIRECT_FRAME_CHARS + 1))
    bare, bare_socket = _connection(None)
    await bare.write("y")
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
    await conn.write("after")  # ignored once closed
    socket.stalled.set()
    await conn.stop()  # the close (scheduled first) has run by the time the writer is done
    assert socket.closed_with == 1013
    assert "after" not in socket.sent and len(socket.sent) < HIGH_WATER
