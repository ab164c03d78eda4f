"""Which feeds the RSS watcher polls: courts, explicit URLs, a config file.

A :class:`Feed` is identified by its ``feed_id``: the court id when one is
known (``--court cand``, ``--feed cand=URL``, ``DOCKETLINE_RSS_COURTS``, or a
URL on a CM/ECF host), otherwise the URL itself. The court of a feed given only
by URL is read from the feed's own CM/ECF links by the adapter.

The config file (``DOCKETLINE_RSS_CONFIG``, TOML)::

    interval = 300            # default seconds between polls of every feed

    [[feed]]
    court = "cand"            # the court's PACER feed
    interval = 120            # this court's own interval

    [[feed]]
    url = "https://example.org/nysd.xml"
    court = "nysd"            # optional: when the feed's links do not say
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from services.core.docket_numbers import DocketNumberError, normalise_court_id
from services.ingest.common import court_from_url
from services.ingest.courts import pacer_rss_url

_SPEC = re.compile(r"^([A-Za-z0-9]+)=(.+)$")


class FeedConfigError(ValueError):
    """A court id, feed URL or config file the watcher cannot use."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed to poll."""

    feed_id: str
    url: str
    court: str | None = None
    """The court when configured; ``None``: read from the feed's CM/ECF links."""
    interval: float | None = None
    """Seconds between polls of this feed; ``None``: the watcher's default."""


def _court(raw: str) -> str:
    try:
        return normalise_court_id(raw)
    except DocketNumberError as exc:
        raise FeedConfigError(str(exc)) from exc


def _url(raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedConfigError(f"not an http(s) feed URL: {raw!r}")
    return url


def _interval(raw: object, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise FeedConfigError(
            f"{where}: interval must be a positive number of seconds, not {raw!r}"
        )
    return float(raw)


def court_feed(court: str, interval: float | None = None) -> Feed:
    """The PACER feed of ``court`` (``cand`` -> ``https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl``)."""
    court_id = _court(court)
    return Feed(court_id, pacer_rss_url(court_id), court_id, interval)


def url_feed(url: str, court: str | None = None, interval: float | None = None) -> Feed:
    """A feed at any URL; its id is the court (given, or the URL's CM/ECF host) or the URL."""
    clean = _url(url)
    court_id = _court(court) if court else None
    return Feed(court_id or court_from_url(clean) or clean, clean, court_id, interval)


def feed_from_spec(spec: str) -> Feed:
    """``--feed`` value: ``URL`` or ``COURT=URL``."""
    m = _SPEC.match(spec.strip())
    if m and "://" in m[2]:
        return url_feed(m[2], m[1])
    return url_feed(spec)


def courts_from_list(text: str) -> list[Feed]:
    """``DOCKETLINE_RSS_COURTS``: comma-separated court ids."""
    return [court_feed(c) for c in text.split(",") if c.strip()]


def load_config(path: Path) -> tuple[list[Feed], float | None]:
    """The feeds of a config file and its default interval (see the module doc)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FeedConfigError(f"cannot read RSS config {path}: {exc}") from exc
    default = _interval(doc.get("interval"), str(path))
    entries = doc.get("feed", [])
    if not isinstance(entries, list):
        raise FeedConfigError(f"{path}: 'feed' must be an array of tables ([[feed]])")
    feeds = []
    for i, entry in enumerate(entries, start=1):
        feeds.append(_config_feed(entry, f"{path} feed {i}"))
    return feeds, default


def _config_feed(entry: Any, where: str) -> Feed:
    if not isinstance(entry, dict):
        raise FeedConfigError(f"{where}: not a table")
    unknown = set(entry) - {"court", "url", "interval"}
    if unknown:
        raise FeedConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    interval = _interval(entry.get("interval"), where)
    court, url = entry.get("court"), entry.get("url")
    if url is not None:
        return url_feed(str(url), str(court) if court else None, interval)
    if court is None:
        raise FeedConfigError(f"{where}: needs a court or a url")
    return court_feed(str(court), interval)


def combine(feeds: Iterable[Feed]) -> list[Feed]:
    """One feed per id, in first-seen order; the same id with two URLs is an error."""
    out: dict[str, Feed] = {}
    for feed in feeds:
        known = out.get(feed.feed_id)
        if known is None:
            out[feed.feed_id] = feed
        elif known.url != feed.url:
            raise FeedConfigError(
                f"feed {feed.feed_id} is configured twice: {known.url} and {feed.url}"
            )
        elif feed.interval is not None and known.interval is None:
            out[feed.feed_id] = feed
    return list(out.values())
