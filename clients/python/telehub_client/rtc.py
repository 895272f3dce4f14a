"""WebRTC set-up shared by a call's peers and the echo check: the configuration from the
hub's ICE servers, which of them resolve, and candidates and fingerprints from SDP."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
)
from aiortc.sdp import candidate_from_sdp

log = logging.getLogger("telehub_client.media")


# -- shared helpers (also used by the echo check) ------------------------------------------
def configuration(servers: list[dict[str, Any]]) -> RTCConfiguration:
    """An RTCConfiguration from the hub's ``ice_servers`` (``[]``: host candidates only)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in servers
        ]
    )


async def reachable_ice_servers(
    servers: list[dict[str, Any]], within: float = 2.0
) -> list[dict[str, Any]]:
    """The servers whose host names resolve: an unreachable STUN server would stall
    aiortc's candidate gathering for seconds on every offer."""
    loop = asyncio.get_running_loop()
    usable = []
    for server in servers:
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        kept = []
        for url in urls:
            host = urlsplit("//" + url.split(":", 1)[-1]).hostname
            try:
                async with asyncio.timeout(within):
                    await loop.getaddrinfo(host, None)
            except (OSError, TimeoutError):
                log.info("ICE server %s is not reachable; leaving it out", url)
                continue
            kept.append(url)
        if kept:
            usable.append({**server, "urls": kept})
    return usable


def parse_candidate(init: dict[str, Any]) -> Any:
    """An aiortc RTCIceCandidate from a browser's RTCIceCandidateInit; None means the end
    of candidates."""
    text = str(init.get("candidate") or "").strip()
    if not text:
        return None
    candidate = candidate_from_sdp(text.removeprefix("a=").removeprefix("candidate:"))
    candidate.sdpMid = init.get("sdpMid")
    candidate.sdpMLineIndex = init.get("sdpMLineIndex")
    if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
        candidate.sdpMLineIndex = 0
    return candidate


def fingerprint(sdp: str) -> str | None:
    match = re.search(r"^a=fingerprint:(.+)$", sdp, re.MULTILINE)
    return match.group(1).strip() if match else None
