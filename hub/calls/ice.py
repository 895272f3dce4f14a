"""ICE servers for a participant, with time-limited TURN credentials (the TURN REST scheme:
username ``<expiry>:<participant>``, password base64(HMAC-SHA1(secret, username)))."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from hub.settings import HubSettings, is_turn
from schemas.signalling import IceServer

TURN_CREDENTIAL_LIFETIME = timedelta(hours=12)


def ice_servers_for(settings: HubSettings, participant_key: str, now: datetime) -> list[IceServer]:
    servers: list[IceServer] = []
    expiry = int((now + TURN_CREDENTIAL_LIFETIME).timestamp())
    for raw in settings.ice_servers:
        server = IceServer(
            urls=raw["urls"], username=raw.get("username"), credential=raw.get("credential")
        )
        if is_turn(raw) and settings.turn_shared_secret:
            username = f"{expiry}:{participant_key}"
            digest = hmac.new(
                settings.turn_shared_secret.encode(), username.encode(), hashlib.sha1
            ).digest()
            server.username, server.credential = username, base64.b64encode(digest).decode()
        servers.append(server)
    return servers
