"""Settings, read once from the environment (prefix ``DOCKETLINE_``).

Every service takes a frozen ``Settings`` in its bootstrap function; nothing
reads the environment or creates a client at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKETLINE_", frozen=True, extra="ignore")

    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap servers.")
    # Kafka connection security (services/kafka/clients.py builds every client from these;
    # docs/operations.md, "Running against a managed Kafka")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: (
        Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] | None
    ) = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_oauth_token: SecretStr | None = Field(
        default=None, description="A static OAUTHBEARER token (no refresh)."
    )
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        description="CA bundle (PEM) the brokers' certificates chain to; unset: system CAs.",
    )
    kafka_ssl_cert_file: Path | None = Field(
        default=None, description="Client certificate (PEM), mTLS."
    )
    kafka_ssl_key_file: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True
    kafka_client_id: str = "docketline"
    kafka_replication_factor: int = Field(
        default=1,
        ge=1,
        description="Replication factor of the topics docketline creates (3 on a cluster).",
    )
    data_dir: Path = Field(default=Path(".docketline"), description="All local state lives here.")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)
    topic_prefix: str = Field(default="", description="Prefix for every topic name (isolation).")
    partitions: int = Field(default=4, ge=1, description="Partitions of the case-keyed topics.")
    processor_app_id: str = "docketline-processor"
    # static group membership and the worker's metrics (docs/operations.md, "Restarts")
    processor_instance_id: str | None = Field(
        default=None,
        description="The worker's static group member id; unset: host name + a digest of data_dir.",
    )
    processor_session_timeout_s: float = Field(default=30.0, ge=6.0, le=300.0)
    processor_heartbeat_interval_s: float = Field(default=3.0, gt=0.0)
    processor_metrics_port: int = Field(default=9464, ge=0, le=65535)
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
    # NEF e-mail watchers (docketline watch mail; README, "Watch courts")
    mail_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest e-mail the SMTP receiver takes."
    )
    mail_smtp_host: str = "127.0.0.1"
    mail_smtp_port: int = Field(default=2525, ge=0, le=65535)
    mail_smtp_recipients: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated addresses or @domains the SMTP receiver takes mail for.",
    )
    mail_smtp_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    mail_imap_url: str | None = Field(
        default=None, description="imaps://user@host/INBOX: the mailbox the IMAP watcher reads."
    )
    mail_imap_user: str | None = None
    mail_imap_password: SecretStr | None = None
    mail_imap_token: SecretStr | None = Field(
        default=None, description="OAuth 2 access token (XOAUTH2), instead of the password."
    )
    mail_imap_folder: str | None = Field(
        default=None, description="Move published messages here (unset: mark them only)."
    )
    mail_imap_rejected_folder: str | None = None
    mail_imap_poll_seconds: float = Field(default=60.0, gt=0)
    mail_imap_idle: bool = True
    mail_imap_ca_file: Path | None = None
    mail_imap_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    mail_metrics_host: str = "127.0.0.1"

    @field_validator(
        "api_tokens", "mail_smtp_recipients", "subscription_secret_keys", mode="before"
    )
    @classmethod
    def _split_tokens(cls, v: object) -> object:
        if isinstance(v, str):
            return tuple(t.strip() for t in v.split(",") if t.strip())
        return v

    @model_validator(mode="after")
    def _check_kafka_security(self) -> Settings:
        problems = kafka_security_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # topic names -------------------------------------------------------
    @property
    def topic_events(self) -> str:
        return f"{self.topic_prefix}docket.events"

    @property
    def topic_states(self) -> str:
        return f"{self.topic_prefix}case.states"

    @property
    def topic_memory(self) -> str:
        """The processor table's changelog: the fold's private memory (compacted; readers use case.states)."""
        return f"{self.topic_prefix}processor.case-memory"

    @property
    def topic_alerts(self) -> str:
        return f"{self.topic_prefix}case.alerts"

    @property
    def topic_dlq(self) -> str:
        return f"{self.topic_prefix}docket.events.dlq"

    @property
    def bootstrap_list(self) -> list[str]:
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]


def kafka_security_problems(s: Settings) -> list[str]:
    """What is wrong with the Kafka security settings, one clear sentence each."""
    problems: list[str] = []
    protocol, mechanism = s.kafka_security_protocol, s.kafka_sasl_mechanism
    sasl = protocol.startswith("SASL_")
    if sasl and mechanism is None:
        problems.append(
            f"DOCKETLINE_KAFKA_SECURITY_PROTOCOL={protocol} needs DOCKETLINE_KAFKA_SASL_MECHANISM "
            "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER)"
        )
    if not sasl and mechanism is not None:
        problems.append(
            f"DOCKETLINE_KAFKA_SASL_MECHANISM={mechanism} is set but "
            f"DOCKETLINE_KAFKA_SECURITY_PROTOCOL is {protocol}: use SASL_SSL or SASL_PLAINTEXT"
        )
    password_mechanism = mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
    if sasl and password_mechanism and (not s.kafka_sasl_username or s.kafka_sasl_password is None):
        problems.append(
            f"SASL {mechanism} needs DOCKETLINE_KAFKA_SASL_USERNAME and "
            "DOCKETLINE_KAFKA_SASL_PASSWORD"
        )
    if sasl and mechanism == "OAUTHBEARER" and s.kafka_sasl_oauth_token is None:
        problems.append("SASL OAUTHBEARER needs DOCKETLINE_KAFKA_SASL_OAUTH_TOKEN")
    tls = protocol in ("SSL", "SASL_SSL")
    files = {
        "DOCKETLINE_KAFKA_SSL_CA_FILE": s.kafka_ssl_ca_file,
        "DOCKETLINE_KAFKA_SSL_CERT_FILE": s.kafka_ssl_cert_file,
        "DOCKETLINE_KAFKA_SSL_KEY_FILE": s.kafka_ssl_key_file,
    }
    for name, path in files.items():
        if path is None:
            continue
        if not tls:
            problems.append(f"{name} is set but DOCKETLINE_KAFKA_SECURITY_PROTOCOL is {protocol}")
        elif not path.is_file():
            problems.append(f"{name}={path}: file not found")
    if s.kafka_ssl_key_file is not None and s.kafka_ssl_cert_file is None:
        problems.append("DOCKETLINE_KAFKA_SSL_KEY_FILE needs DOCKETLINE_KAFKA_SSL_CERT_FILE")
    if s.kafka_ssl_key_password is not None and s.kafka_ssl_key_file is None:
        problems.append("DOCKETLINE_KAFKA_SSL_KEY_PASSWORD needs DOCKETLINE_KAFKA_SSL_KEY_FILE")
    return problems


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
