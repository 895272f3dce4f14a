"""The ICE settings: TURN servers get time-limited credentials the TURN REST way, and a
relay-only policy without a TURN server is refused when the hub starts, not discovered
when the first call cannot connect."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hub.calls.ice import TURN_CREDENTIAL_LIFETIME, ice_servers_for
from hub.settings import HubSettings
from schemas.signalling import IceTransportPolicy

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_no_ice_server_by_default_so_no_third_party_hears_of_a_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HUB_ICE_SERVERS", raising=False)
    settings = HubSettings()
    assert settings.ice_servers == []
    assert ice_servers_for(settings, "device:7", NOW) == []


def test_relay_only_without_a_turn_server_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs a turn: or turns: server"):
        HubSettings(
            ice_servers='[{"urls": "stun:stun.example:3478"}]', ice_transport_policy="relay"
        )


def test_relay_only_with_a_turn_server_is_taken_and_urls_become_lists() -> None:
    settings = HubSettings(
        ice_servers='[{"urls": "turns:turn.example.nhs.uk:5349?transport=tcp"}]',
        ice_transport_policy="relay",
    )
    assert settings.ice_transport_policy is IceTransportPolicy.RELAY
    assert settings.ice_servers == [{"urls": ["turns:turn.example.nhs.uk:5349?transport=tcp"]}]


def test_a_turn_server_gets_credentials_that_coturn_can_check_and_stun_gets_none() -> None:
    settings = HubSettings(
        ice_servers='[{"urls": "stun:stun.example:3478"}, {"urls": ["turn:turn.example:3478"]}]',
        turn_shared_secret="s3cret",
    )
    stun, turn = ice_servers_for(settings, "device:7", NOW)
    assert stun.username is None and stun.credential is None
    expiry = int((NOW + TURN_CREDENTIAL_LIFETIME).timestamp())
    assert turn.username == f"{expiry}:device:7"
    digest = hmac.new(b"s3cret", turn.username.encode(), hashlib.sha1).digest()
    assert turn.credential == base64.b64encode(digest).decode()
