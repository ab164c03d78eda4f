"""``docketline dispatcher``: deliver alerts to webhook subscribers.

Wired by the lead into ``services/cli.py`` as
``app.command("dispatcher")(dispatcher_command)``; also runnable as
``python -m services.dispatcher``.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from services.dispatcher.bootstrap import run_dispatcher
from services.dispatcher.config import DispatcherConfig
from services.dispatcher.tls import WebhookTLSConfigError, webhook_ssl_context
from services.kafka.clients import check_connection_sync
from services.settings import Settings, load_settings


def dispatcher_command(
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
) -> None:
    """Deliver case alerts to webhook subscribers (signed, retried, SSRF-guarded).

    Reads DOCKETLINE_BOOTSTRAP_SERVERS, DOCKETLINE_DATA_DIR (delivery state in
    dispatcher.sqlite), DOCKETLINE_WEBHOOK_RETRY_SCHEDULE,
    DOCKETLINE_WEBHOOK_ALLOW_PRIVATE_NETWORKS, DOCKETLINE_WEBHOOK_CA_FILE (a private CA
    trusted for receivers) and DOCKETLINE_SUBSCRIPTION_SECRET_KEYS
    (the API's keys: they open the signing secrets on the subscriptions topic). Run several for scale-out: they
    share the alert topic as one consumer group.
    """
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    config = DispatcherConfig()
    try:  # the local configuration first: a bad CA file stops the start, not a delivery
        webhook_ssl_context(config.webhook_ca_file)
    except WebhookTLSConfigError as exc:
        typer.echo(f"docketline dispatcher: {exc}", err=True)
        raise typer.Exit(2) from None
    check_connection_sync(settings)
    asyncio.run(_main(settings, config))


async def _main(settings: Settings, config: DispatcherConfig) -> None:
    """Run until SIGTERM/SIGINT; cancelling leaves unattempted deliveries pending."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await run_dispatcher(settings, config)
    except asyncio.CancelledError:
        logging.getLogger(__name__).info("dispatcher stopped")
