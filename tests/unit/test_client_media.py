"""Pure parts of the Python client's media: trickled candidates as browsers send them,
the frame stamps of the test pattern, and the command line's credential file."""

from __future__ import annotations

from pathlib import Path

import pytest

from telehub_client.cli import load_credential, save_credential, ws_url
from telehub_client.rtc import fingerprint, parse_candidate
from telehub_client.tracks import TestPattern, Tone, read_stamp, stamp_of


def test_a_browser_candidate_is_parsed_with_its_prefix_and_extras() -> None:
    chrome = (
        "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx "
        "raddr 192.168.1.20 rport 46154 generation 0 ufrag sjRV network-cost 999"
    )
    candidate = parse_candidate({"candidate": chrome, "sdpMid": "0", "sdpMLineIndex": 0})
    assert (candidate.ip, candidate.port, candidate.type) == ("203.0.113.7", 46154, "srflx")
    assert (candidate.relatedAddress, candidate.relatedPort) == ("192.168.1.20", 46154)
    assert candidate.sdpMid == "0" and candidate.sdpMLineIndex == 0
    tcp = parse_candidate(
        {"candidate": "candidate:1 1 tcp 1518280447 10.0.0.2 9 typ host tcptype active"}
    )
    assert tcp.tcpType == "active" and tcp.sdpMLineIndex == 0  # no mid: the first m-line


def test_an_empty_candidate_means_the_end_of_candidates() -> None:
    assert parse_candidate({"candidate": "", "sdpMid": "0"}) is None


def test_a_new_peer_connection_has_a_new_fingerprint() -> None:
    sdp = "v=0\r\na=fingerprint:sha-256 AB:CD\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    assert fingerprint(sdp) == "sha-256 AB:CD"
    assert fingerprint("v=0\r\n") is None


async def test_each_test_pattern_frame_carries_its_number() -> None:
    pattern = TestPattern(fps=60)
    try:
        frames = [await pattern.recv() for _ in range(3)]
    finally:
        pattern.stop()
    assert [read_stamp(f) for f in frames] == [stamp_of(n) for n in range(3)]
    assert (frames[0].width, frames[0].height) == (320, 240)
    assert set(pattern.sent_at) == {stamp_of(n) for n in range(3)}


async def test_the_tone_is_48khz_in_20ms_frames() -> None:
    tone = Tone()
    try:
        first, second = await tone.recv(), await tone.recv()
    finally:
        tone.stop()
    assert first.sample_rate == 48_000 and first.samples == 960
    assert second.pts == 960
    assert any(bytes(first.planes[0]))  # not silence


def test_the_credential_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "device.json"
    path.write_text("old")
    path.chmod(0o644)
    save_credential(path, "https://hub.example", 7, "s3cret-credential")
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_credential(path) == "s3cret-credential"


@pytest.mark.parametrize(
    ("hub", "ws"),
    [
        ("https://hub.example", "wss://hub.example/ws"),
        ("http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws"),
        ("ws://127.0.0.1:8080/ws", "ws://127.0.0.1:8080/ws"),
    ],
)
def test_the_socket_address_comes_from_the_hub_address(hub: str, ws: str) -> None:
    assert ws_url(hub) == ws
