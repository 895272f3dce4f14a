"""The benchmark's own websocket client speaks RFC 6455 to a real aiohttp server.

``make bench-signalling`` measures the hub through it, so a frame it misreads would be a
wrong figure rather than a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from benchmarks.frames import FrameSocket, HandshakeFailed, open_socket

SIZES = [0, 125, 126, 65_535, 65_536, 200_000]  # each length encoding and its edges


async def _server(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(autoping=False, max_msg_size=1024 * 1024)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is WSMsgType.PONG:
            await ws.send_str(f"pong:{msg.data.decode()}")
        elif msg.data == "sizes":
            for n in SIZES:
                await ws.send_str("x" * n)
        elif msg.data == "ping me":
            await ws.ping(b"are you there")
        elif msg.data == "go away":
            await ws.close(code=4001, message=b"bye")
        else:
            await ws.send_str(f"echo:{msg.data}")
    return ws


Open = Callable[[str], Awaitable[FrameSocket]]


@pytest.fixture
async def url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/ws", _server)
    server = TestServer(app)
    await server.start_server()
    try:
        yield f"ws://127.0.0.1:{server.port}/ws"
    finally:
        await server.close()


@pytest.fixture
async def connect() -> AsyncIterator[Open]:
    """``open_socket``, with every socket dropped at the end (a failed test leaves none
    for the server's shutdown to wait on)."""
    opened: list[FrameSocket] = []

    async def open_one(url: str) -> FrameSocket:
        opened.append(await open_socket(url))
        return opened[-1]

    yield open_one
    for sock in opened:
        sock.abort()


async def test_text_both_ways_at_every_length_encoding(url: str, connect: Open) -> None:
    sock = await connect(url)
    sock.send_text("héllo")
    assert await sock.receive_text(within=10) == "echo:héllo"
    sock.send_text("y" * 70_000)  # the client's own 64-bit length
    assert await sock.receive_text(within=10) == "echo:" + "y" * 70_000
    sock.send_text("sizes")
    assert [len(await sock.receive_text(within=10)) for _ in SIZES] == SIZES
    await sock.close()
    assert sock.closed


async def test_pings_are_answered_and_frames_reach_the_callback(url: str, connect: Open) -> None:
    sock = await connect(url)
    seen: list[str] = []
    got = asyncio.Event()

    def on_text(text: str) -> None:
        seen.append(text)
        got.set()

    sock.on_text = on_text
    sock.send_text("ping me")
    async with asyncio.timeout(10):
        await got.wait()
    assert seen == ["pong:are you there"]
    await sock.close()


async def test_the_servers_close_code_is_kept(url: str, connect: Open) -> None:
    sock = await connect(url)
    sock.send_text("go away")
    with pytest.raises(ConnectionResetError):
        await sock.receive_text(within=10)
    assert sock.close_code == 4001
    with pytest.raises(ConnectionResetError):
        sock.send_text("still there?")


async def test_a_refused_upgrade_is_an_error(url: str, connect: Open) -> None:
    with pytest.raises(HandshakeFailed):
        await connect(url.replace("/ws", "/nowhere"))
