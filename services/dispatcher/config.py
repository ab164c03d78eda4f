"""Dispatcher settings (env prefix ``DOCKETLINE_``), read once, frozen.

Kept beside the shared ``services.settings.Settings`` (which holds what several
parts need, e.g. ``webhook_allow_private_networks``) so the delivery tuning
lives with the code it tunes. Tests pass a fast schedule:
``DispatcherConfig(webhook_retry_schedule=(0, 0.2, 0.2))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.dispatcher.schedule import DAY, DEFAULT_SCHEDULE, RetryPolicy


class DispatcherConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKETLINE_", frozen=True, extra="ignore")

    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        default=DEFAULT_SCHEDULE,
        description="Comma-separated seconds before attempt 1, 2, ... (DOCKETLINE_WEBHOOK_RETRY_SCHEDULE).",
    )
    webhook_retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Whole-attempt deadline."
    )
    webhook_max_retry_after_seconds: float = Field(default=DAY, ge=0)
    webhook_disable_after_seconds: float = Field(default=5 * DAY, ge=0)
    webhook_disable_min_failures: int = Field(default=5, ge=1)
    webhook_user_agent: str = "docketline-webhooks/0.1 (+https://www.standardwebhooks.com/)"
    webhook_ca_file: Path | None = Field(
        default=None,
        description="PEM file of CA certificates trusted for receivers, in addition to the "
        "public CAs (a private CA); hostname verification stays on.",
    )
    dispatcher_group_id: str = "docketline-dispatcher"
    dispatcher_poll_seconds: float = Field(
        default=0.5, gt=0, description="Longest wait for alerts before re-reading subscriptions."
    )

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            return tuple(float(x) for x in v.split(",") if x.strip())
        return v

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            schedule=tuple(self.webhook_retry_schedule),
            jitter=self.webhook_retry_jitter,
            max_retry_after=self.webhook_max_retry_after_seconds,
            disable_after=self.webhook_disable_after_seconds,
            disable_min_failures=self.webhook_disable_min_failures,
        )
