"""RSS watcher settings (env prefix ``DOCKETLINE_``), read once, frozen.

Kept beside the watcher (like :mod:`services.dispatcher.config`) so its tuning
lives with the code it tunes; the shared :class:`services.settings.Settings`
still gives the broker, topics and ``DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.ingest.watch.feeds import Feed, combine, courts_from_list, load_config
from services.ingest.watch.fetch import FetchLimits
from services.ingest.watch.rss import WatchTuning
from services.ingest.watch.schedule import PollPolicy


class RssSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCKETLINE_", frozen=True, extra="ignore")

    rss_courts: str = Field(
        default="", description="Comma-separated PACER court ids whose feeds are watched."
    )
    rss_config: Path | None = Field(
        default=None, description="TOML file of feeds (courts, URLs, per-feed intervals)."
    )
    rss_interval: float = Field(default=300.0, gt=0, description="Default seconds between polls.")
    rss_jitter: float = Field(default=0.1, ge=0, lt=1)
    rss_timeout: float = Field(default=30.0, gt=0, description="Deadline of one whole GET.")
    rss_max_body_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    rss_backoff_cap: float = Field(default=3600.0, gt=0)
    rss_max_retry_after: float = Field(default=6 * 3600.0, ge=0)
    rss_metrics_port: int = Field(
        default=9465, ge=0, le=65535, description="Port of the watcher's /metrics (0: none)."
    )

    def configured_feeds(self) -> tuple[list[Feed], float | None]:
        """The feeds of ``DOCKETLINE_RSS_COURTS`` and ``DOCKETLINE_RSS_CONFIG``, and the file's interval."""
        feeds = courts_from_list(self.rss_courts)
        default = None
        if self.rss_config is not None:
            from_file, default = load_config(self.rss_config)
            feeds += from_file
        return combine(feeds), default

    def tuning(self, interval: float | None = None) -> WatchTuning:
        return WatchTuning(
            schedule=PollPolicy(
                interval=interval or self.rss_interval,
                jitter=self.rss_jitter,
                backoff_cap=self.rss_backoff_cap,
                max_retry_after=self.rss_max_retry_after,
            ),
            limits=FetchLimits(timeout=self.rss_timeout, max_bytes=self.rss_max_body_bytes),
        )
