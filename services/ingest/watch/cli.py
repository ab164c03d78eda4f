"""``docketline watch ...``: the live-source watchers and their status.

``watch rss`` polls court RSS feeds; ``watch status`` prints the state every
watcher keeps in ``DATA_DIR/watch/`` (:mod:`services.ingest.watch.status`).
Other watchers add their commands to :data:`watch_app`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Annotated

import typer
from rich.console import Console

from services.ingest.ledger import LedgerError
from services.ingest.publisher import PublishError
from services.ingest.watch.config import RssSettings
from services.ingest.watch.feeds import Feed, FeedConfigError, combine, court_feed, feed_from_spec
from services.ingest.watch.metrics import RssMetrics
from services.ingest.watch.rss import WatchTuning, open_watcher
from services.ingest.watch.state import StateError
from services.ingest.watch.status import read_all, rss_row, table
from services.kafka.clients import check_connection_sync
from services.settings import Settings, load_settings

watch_app = typer.Typer(
    name="watch",
    help="Watch live sources (court RSS feeds, ...) and publish what is new.",
    no_args_is_help=True,
)

log = logging.getLogger("docketline.watch")


def _console() -> Console:
    """stdout; wide when not a terminal, so a piped table keeps one line per source."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 220)


def _feeds(
    rss: RssSettings, courts: list[str], specs: list[str]
) -> tuple[list[Feed], float | None]:
    if courts or specs:
        return combine(
            [*(court_feed(c) for c in courts), *(feed_from_spec(s) for s in specs)]
        ), None
    return rss.configured_feeds()


@watch_app.command("rss")
def rss_command(
    court: Annotated[
        list[str],
        typer.Option(
            "--court", help="A PACER court id (cand, nysd, ...): its CM/ECF RSS feed. Repeatable."
        ),
    ] = [],  # noqa: B006 (typer reads the default)
    feed: Annotated[
        list[str],
        typer.Option(
            "--feed",
            help="A feed URL, or COURT=URL when its links do not name the court. Repeatable.",
        ),
    ] = [],  # noqa: B006
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            min=0.01,
            help="Seconds between polls of a feed without its own interval (default DOCKETLINE_RSS_INTERVAL, 300).",
        ),
    ] = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Poll every feed once, publish, print a table, exit (0 when every feed answered).",
        ),
    ] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            help="Port of /metrics (default DOCKETLINE_RSS_METRICS_PORT, 9465; 0: none).",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", "-l", help="debug, info, warning, error.")
    ] = "info",
) -> None:
    """Poll court RSS feeds and publish new docket entries to docket.events.

    Feeds: --court / --feed when given, otherwise DOCKETLINE_RSS_COURTS and the
    TOML file in DOCKETLINE_RSS_CONFIG. Each feed is polled on its own schedule
    (interval with jitter, conditional GET, backoff on errors, Retry-After on
    429/503); entries go through the same adapter, classifier, idempotent
    producer and ledger as `docketline ingest`. State (validators, last poll,
    last error, counters) is kept in DATA_DIR/watch/rss.sqlite.
    """
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    rss = RssSettings()
    check_connection_sync(settings)
    try:
        feeds, file_interval = _feeds(rss, court, feed)
    except FeedConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not feeds:
        typer.echo(
            "error: no feeds: give --court or --feed, or set DOCKETLINE_RSS_COURTS or DOCKETLINE_RSS_CONFIG",
            err=True,
        )
        raise typer.Exit(2)
    tuning = rss.tuning(interval or file_interval)
    port = rss.rss_metrics_port if metrics_port is None else metrics_port
    try:
        code = asyncio.run(_watch(settings, feeds, tuning, once=once, metrics_port=port))
    except (PublishError, StateError, LedgerError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    raise typer.Exit(code)


async def _watch(
    settings: Settings, feeds: list[Feed], tuning: WatchTuning, *, once: bool, metrics_port: int
) -> int:
    metrics = RssMetrics()
    async with open_watcher(settings, feeds, tuning, on_poll=metrics.observe) as watcher:
        if once:
            states = await watcher.once()
            _console().print(table([rss_row(s) for s in states]))
            return 0 if all(s.failures == 0 for s in states) else 1
        metrics.follow(lambda: watcher.states)
        if metrics_port:
            bound = metrics.serve(settings.api_host, metrics_port)
            log.info("metrics on http://%s:%d/metrics", settings.api_host, bound)
        log.info("watching %d feed(s): %s", len(feeds), ", ".join(f.feed_id for f in feeds))
        task = asyncio.create_task(watcher.run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            log.info("stopping")
        return 0


@watch_app.command("status")
def status_command() -> None:
    """Print every watched source: last success, last error, next poll, items seen / new / rejected.

    Read from the watchers' state files in DATA_DIR/watch/ (works while they run).
    """
    settings = load_settings()
    try:
        rows = read_all(settings.data_dir)
    except StateError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if not rows:
        typer.echo(f"no watcher state in {settings.data_dir / 'watch'} (no watcher has run)")
        return
    _console().print(table(rows))


def _register_mail() -> None:
    from services.ingest.watch.mail_cli import register_mail

    register_mail(watch_app)


_register_mail()
