"""Settings, read once from the environment (prefix ``DOCKETLINE_``).

Every service takes a frozen ``Settings`` in its bootstrap function; nothing
reads the environment or creates a client at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from typing import Annotated

from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKETLINE_", frozen=True, extra="ignore")

    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap servers.")
    data_dir: Path = Field(default=Path(".docketline"), description="All local state lives here.")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)
    topic_prefix: str = Field(default="", description="Prefix for every topic name (isolation).")
    partitions: int = Field(default=4, ge=1, description="Partitions of the case-keyed topics.")
    processor_app_id: str = "docketline-processor"
    api_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(), description="Comma-separated bearer tokens for write endpoints."
    )
    read_requires_token: bool = False
    subscription_secret_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated Fernet keys for webhook signing secrets at rest; the "
        "first encrypts. Unset: a key generated in data_dir.",
    )
    webhook_allow_private_networks: bool = False
    courtlistener_base_url: str = "https://www.courtlistener.com/api/rest/v4/"
    courtlistener_token: SecretStr | None = None

    @field_validator("api_tokens", "subscription_secret_keys", mode="before")
    @classmethod
    def _split_tokens(cls, v: object) -> object:
        if isinstance(v, str):
            return tuple(t.strip() for t in v.split(",") if t.strip())
        return v

    # topic names -------------------------------------------------------
    @property
    def topic_events(self) -> str:
        return f"{self.topic_prefix}docket.events"

    @property
    def topic_states(self) -> str:
        return f"{self.topic_prefix}case.states"

    @property
    def topic_alerts(self) -> str:
        return f"{self.topic_prefix}case.alerts"

    @property
    def topic_dlq(self) -> str:
        return f"{self.topic_prefix}docket.events.dlq"

    @property
    def bootstrap_list(self) -> list[str]:
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
