"""Hub settings: one pydantic-settings class, read from ``HUB_*`` environment variables."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from hub.errors import first_problem
from schemas.signalling import IceTransportPolicy

DEV_SECRET = "dev-only-secret-change-me-dev-only-secret"


class IceServer(dict[str, Any]):
    """An RTCIceServer as the browser expects it: ``{"urls": [...], ...}``."""


def is_turn(server: dict[str, Any]) -> bool:
    """A TURN server (its urls normalised to a list by the settings)."""
    return any(str(url).startswith(("turn:", "turns:")) for url in server["urls"])


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/telehub.sqlite3",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    database_schema: str | None = Field(
        default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="PostgreSQL schema"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key: str = Field(default=DEV_SECRET, min_length=32)
    broker_url: str = Field(default="memory://", description="memory:// or redis://host:port/db")
    broker_namespace: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="this deployment's Redis channel prefix; by default from the database",
    )
    process_timeout_seconds: int = Field(
        default=15, ge=2, le=600, description="a hub process not seen alive this long is dead"
    )
    drain_seconds: float = Field(
        default=30.0, gt=0, le=600, description="SIGTERM: how long in-progress work may take"
    )
    # None by default: no third-party STUN server learns the addresses of the NHS's devices,
    # and on a network with no route to one an unreachable server only delays every call.
    # Calls between devices that can reach each other connect without one; a trust lists
    # its own STUN or TURN servers here (docs/operations.md, TURN).
    ice_servers: list[dict[str, Any]] = Field(default_factory=list)
    turn_shared_secret: str | None = None
    ice_transport_policy: IceTransportPolicy = Field(
        default=IceTransportPolicy.ALL,
        description="relay: media only through a TURN server in ice_servers (no device's own "
        "address reaches the other side); all: direct where the networks allow",
    )
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8080")
    session_hours: int = Field(default=12, ge=1, le=72)
    session_idle_minutes: int = Field(
        default=30, ge=1, le=1440, description="a session with no request for this long ends"
    )
    ticket_seconds: int = Field(default=30, ge=5, le=300)
    enrolment_code_hours: int = Field(default=24, ge=1, le=168)
    answer_target_seconds: int = Field(default=300, ge=30)
    report_suppress_small_numbers: bool = Field(
        default=True,
        description="monthly reports show counts of 1-7 as <8 (off only for a commissioner "
        "with a data-sharing agreement)",
    )
    resume_window_seconds: int = Field(default=60, ge=1)
    auth_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # A herd of returning clients is bounded (hub/realtime/admission.py).
    ws_auth_backlog: int = Field(
        default=5000, ge=1, description="sockets in the auth phase before new ones get 503"
    )
    heartbeat_seconds: float = Field(default=20.0, ge=1, le=120)
    command_rate_per_second: float = Field(
        default=100.0, gt=0, description="commands a socket may send per second, sustained"
    )
    command_burst: int = Field(default=400, ge=1, description="commands a socket may send at once")
    # Throttling (the `limits` library's moving windows, "N/period;M/period"; shared through
    # Redis when the broker is Redis). See docs/operations.md, "Rate limits".
    rate_sign_in_account: str = Field(default="10/minute;30/hour", description="per username")
    rate_sign_in_address: str = Field(default="60/minute;600/hour", description="per address")
    rate_device_sign_in: str = Field(default="30/minute", description="per address and device")
    rate_enrolment: str = Field(default="10/hour", description="enrolment codes, per address")
    rate_ws_credential: str = Field(default="60/minute", description="per address and device")
    rate_registration: str = Field(default="60/hour", description="new residents, per user")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="proxy addresses whose X-Forwarded-For is believed"
    )
    sockets_per_user: int = Field(default=6, ge=1, le=100, description="open sockets per user")
    sockets_per_device: int = Field(default=4, ge=1, le=100, description="per device")
    allow_synthetic_nhs_numbers: bool = True
    echo_max_concurrent: int = Field(default=4, ge=0, le=64, description="test calls at once")
    photo_quota_mb_per_site: int = Field(
        default=1024, ge=1, le=1_000_000, description="photo storage per site, in MB"
    )
    hub_phone: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[0-9 +()-]{3,40}$",
        description="the hub's phone number, shown to a home when no nurse can answer",
    )
    on_call_lead_email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="emailed when a call waits past the answer target with no nurse available",
    )
    smtp_host: str | None = Field(default=None, description="mail relay for the on-call alert")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    mail_from: str = Field(default="telehub@localhost", max_length=254)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must be memory:// or redis://host:port/db")
        return value

    @field_validator(
        "rate_sign_in_account",
        "rate_sign_in_address",
        "rate_device_sign_in",
        "rate_enrolment",
        "rate_ws_credential",
        "rate_registration",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError('must be rates like "10/minute;30/hour"') from None
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):  # "10.0.0.1, 10.0.0.2" or a JSON list
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("ice_servers", mode="before")
    @classmethod
    def _parse_ice(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, list) or not all(
            isinstance(s, dict) and "urls" in s for s in value
        ):
            raise ValueError('must be a JSON list of {"urls": [...]} objects')
        return [
            {**s, "urls": s["urls"] if isinstance(s["urls"], list) else [s["urls"]]} for s in value
        ]

    @model_validator(mode="after")
    def _relay_needs_a_turn_server(self) -> HubSettings:
        if self.ice_transport_policy is IceTransportPolicy.RELAY and not any(
            is_turn(server) for server in self.ice_servers
        ):
            raise ValueError(
                "HUB_ICE_TRANSPORT_POLICY=relay needs a turn: or turns: server in HUB_ICE_SERVERS"
            )
        return self

    @model_validator(mode="after")
    def _production_is_strict(self) -> HubSettings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET:
                raise ValueError("HUB_SECRET_KEY must be set to a private value in production")
            if self.allow_synthetic_nhs_numbers:
                raise ValueError("HUB_ALLOW_SYNTHETIC_NHS_NUMBERS must be false in production")
        return self

    @property
    def deployment(self) -> str:
        """The namespace every broker channel of this deployment lives under: the setting,
        or one derived from the database (Redis pub/sub ignores the db number, so two
        deployments on one Redis server would otherwise hear each other). Credentials are
        left out, so rotating a password does not move a process to another channel."""
        if self.broker_namespace:
            return self.broker_namespace
        url = make_url(self.database_url)
        where = url.database or ""
        if self.is_sqlite and where not in ("", ":memory:"):
            where = str(Path(where).resolve())
        place = f"{url.drivername}|{url.host or ''}|{url.port or ''}|{where}|{self.database_schema}"
        return hashlib.sha256(place.encode()).hexdigest()[:16]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split("///", 1)[1]
        return None if raw in ("", ":memory:") else Path(raw)


class SettingsError(Exception):
    """A bad setting, with a one-line message that names it."""


def load_settings(**overrides: Any) -> HubSettings:
    try:
        return HubSettings(**overrides)
    except ValidationError as exc:
        problem = first_problem(exc)
        name = "HUB_" + problem.field.split(".")[0].upper() if problem.field else "settings"
        raise SettingsError(f"{name}: {problem.message}") from None
