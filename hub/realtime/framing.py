"""RFC 6455 frames from the server: final, unmasked, uncompressed (the hub's sockets never
negotiate compression). Written straight to the transport on the signalling hot path, which
saves aiohttp's two coroutines per frame; aiohttp still reads every frame and does the
handshake and the close."""

from __future__ import annotations

import struct

TEXT, PING, PONG = 0x1, 0x9, 0xA
_FIN = 0x80
_SHORT = struct.Struct("!BB")
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def frame(opcode: int, payload: bytes) -> bytes:
    """One whole frame: header and payload."""
    first = _FIN | opcode
    size = len(payload)
    if size < 126:
        header = _SHORT.pack(first, size)
    elif size < 1 << 16:
        header = _MEDIUM.pack(first, 126, size)
    else:
        header = _LONG.pack(first, 127, size)
    return header + payload


def text_frame(text: str) -> bytes:
    return frame(TEXT, text.encode())


def ping_frame() -> bytes:
    return frame(PING, b"")


def pong_frame(payload: bytes) -> bytes:
    return frame(PONG, payload)
