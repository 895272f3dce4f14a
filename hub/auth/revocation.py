"""Ending access: what identity tells the realtime side when a principal or session ends.

Identity writes the revocation to the database first (the truth), then hands it to a
``RevocationSink``; the realtime side's sink tells every hub process through the broker,
and each closes the matching sockets it holds.
"""

from __future__ import annotations

from typing import Protocol

from hub.auth.principal import device_key, user_key
from schemas.broker import Revocation
from schemas.wire import (
    DEVICE_REMOVED,
    SESSION_EXPIRED,
    SIGNED_OUT,
    USER_DISABLED,
    CloseCode,
)


class RevocationSink(Protocol):
    async def revoke(self, revocation: Revocation) -> None: ...


class NoSockets:
    """Until the realtime side is running there are no sockets to close."""

    async def revoke(self, revocation: Revocation) -> None:
        return None


def device_removed(device_id: int) -> Revocation:
    return Revocation(CloseCode.REVOKED, DEVICE_REMOVED, participant_key=device_key(device_id))


def user_disabled(user_id: int) -> Revocation:
    return Revocation(CloseCode.REVOKED, USER_DISABLED, participant_key=user_key(user_id))


def signed_out(session_token_hash: str) -> Revocation:
    return Revocation(CloseCode.SESSION_ENDED, SIGNED_OUT, session_token_hash=session_token_hash)


def session_expired(session_token_hash: str) -> Revocation:
    return Revocation(
        CloseCode.SESSION_ENDED, SESSION_EXPIRED, session_token_hash=session_token_hash
    )
