"""Frames the hub writes without building their models match what the models write."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_core import to_json

from schemas.broker import ENVELOPE, Envelope
from schemas.signalling import (
    AnswerSignal,
    CandidateSignal,
    HangupSignal,
    IceCandidate,
    OfferSignal,
    Signal,
    candidate_signal_json,
)
from schemas.wire import Result, SignalEvent, client_command, result_frame, signal_event_json


@pytest.mark.parametrize(
    "result",
    [None, {"relayed": True}, {"name": 'Zoë "Q" O\'Brien', "n": [1, 2.5]}, [], "ok"],
)
def test_a_result_frame_is_the_result_model_as_json(result: Any) -> None:
    expected = Result(id=41, result=result).model_dump_json()
    assert result_frame(41, to_json(result).decode()) == expected


@pytest.mark.parametrize(
    "signal",
    [
        CandidateSignal(
            candidate=IceCandidate(
                candidate="candidate:1 1 udp 1 192.0.2.1 5 typ host",
                sdpMid="0",
                sdpMLineIndex=0,
                usernameFragment='é"\\',
            )
        ),
        CandidateSignal(candidate=IceCandidate(candidate="")),
        OfferSignal(sdp="v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", ice_restart=True),
        AnswerSignal(sdp="v=0\r\n"),
        HangupSignal(),
    ],
)
@pytest.mark.parametrize("call_id", ["4b0c3a8e-3f0e-4a43-9a57-2b1b1c0d9e11", 'a"b\\c\u2028é'])
def test_a_signal_event_is_the_signal_event_model_as_json(signal: Signal, call_id: str) -> None:
    expected = SignalEvent(call_id=call_id, from_key="device:7", signal=signal).model_dump_json()
    assert signal_event_json(call_id, "device:7", signal.model_dump_json()) == expected


@pytest.mark.parametrize(
    "candidate",
    [
        IceCandidate(candidate="candidate:1 1 udp 1 192.0.2.1 5 typ host", sdpMLineIndex=0),
        IceCandidate(candidate="", sdpMid='é"\\\u2028', usernameFragment="x"),
    ],
)
def test_a_candidate_signal_is_the_candidate_model_as_json(candidate: IceCandidate) -> None:
    expected = CandidateSignal(candidate=candidate).model_dump_json()
    assert candidate_signal_json(candidate) == expected


@pytest.mark.parametrize("raw_id", ['"5"', "true", "5.0", "0"])
def test_a_command_id_is_a_positive_json_integer_and_nothing_like_one(raw_id: str) -> None:
    with pytest.raises(ValidationError):
        client_command.validate_json(f'{{"type":"ping","id":{raw_id}}}')
    assert client_command.validate_json('{"type":"ping","id":5}').id == 5


def test_an_envelope_crosses_redis_as_the_json_it_always_was() -> None:
    envelope = Envelope("p:user:1", "abc", 7, '{"kind":"signal"}', seq=3, call_id="c-1")
    text = ENVELOPE.dump_json(envelope)
    assert text == (
        b'{"topic":"p:user:1","origin":"abc","position":7,'
        b'"body":"{\\"kind\\":\\"signal\\"}","seq":3,"call_id":"c-1"}'
    )
    assert ENVELOPE.validate_json(text) == envelope
    with pytest.raises(ValidationError):
        ENVELOPE.validate_json(b'{"topic":"t","origin":"o","position":"first","body":""}')
