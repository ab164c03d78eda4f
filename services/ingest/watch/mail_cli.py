"""``docketline watch mail --smtp | --imap URL``: the NEF e-mail watchers, wired up.

:func:`register_mail` adds the ``mail`` command to the ``watch`` sub-app.
:func:`build_mail_parts` is the one bootstrap of both watchers: the inbox, the
ledger and the Kafka sink of ``docketline ingest``, the counters, the status
file ``DATA_DIR/watch/mail-<smtp|imap>.json`` and, when a port is set,
``/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from services.ingest.ledger import Ledger
from services.ingest.publisher import KafkaEventSink
from services.ingest.watch.imap import (
    Credentials,
    ImapConfigError,
    ImapLoginError,
    ImapMailbox,
    ImapOptions,
    ImapWatcher,
    parse_imap_url,
)
from services.ingest.watch.inbox import MailInbox
from services.ingest.watch.mail import parse_allow_list
from services.ingest.watch.mail_publisher import (
    MailPublisher,
    MailStats,
    StatusFile,
    serve_metrics,
    status_path,
)
from services.ingest.watch.smtp import InboxHandler, start_receiver
from services.kafka.clients import check_connection_sync
from services.settings import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass
class MailParts:
    """What both watchers run on; :meth:`close` releases it."""

    settings: Settings
    inbox: MailInbox
    ledger: Ledger
    stats: MailStats
    publisher: MailPublisher
    status: StatusFile
    extra: dict[str, Any] = field(default_factory=dict)
    """Watcher-specific fields of the status document (address, mailbox)."""
    live: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    """Fields read at each status write (the IMAP watcher's state)."""
    stop_metrics: Callable[[], None] | None = None
    _fresh: asyncio.Task[None] | None = None

    def start_status(self) -> None:
        self.status.write(running=True)
        self._fresh = asyncio.create_task(self.status.keep_fresh(), name="mail-status")

    async def close(self) -> None:
        if self._fresh is not None:
            self._fresh.cancel()
            await asyncio.gather(self._fresh, return_exceptions=True)
        await self.publisher.aclose()
        if self.stop_metrics is not None:
            self.stop_metrics()
        self.status.write(running=False)
        self.ledger.close()
        self.inbox.close()


def build_mail_parts(settings: Settings, mode: str, metrics_port: int | None) -> MailParts:
    """The one bootstrap (blocking: opens the SQLite files and the metrics port)."""
    inbox = MailInbox.in_data_dir(settings.data_dir)
    ledger = Ledger.in_data_dir(settings.data_dir)
    stats = MailStats(mode)
    publisher = MailPublisher(inbox, lambda: KafkaEventSink(settings), ledger=ledger, stats=stats)
    extra: dict[str, Any] = {}
    live: list[Callable[[], dict[str, Any]]] = []

    def fields() -> dict[str, Any]:
        doc = dict(extra)
        for f in live:
            doc.update(f())
        return doc

    status = StatusFile(status_path(settings.data_dir, mode), stats, inbox, fields)
    publisher.on_change = status.changed
    parts = MailParts(settings, inbox, ledger, stats, publisher, status, extra, live)
    if metrics_port is not None:
        parts.stop_metrics = serve_metrics(stats, inbox, settings.mail_metrics_host, metrics_port)
        extra["metrics"] = f"http://{settings.mail_metrics_host}:{metrics_port}/metrics"
    return parts


async def serve_smtp(
    settings: Settings,
    host: str,
    port: int,
    *,
    lmtp: bool,
    metrics_port: int | None,
    echo: Callable[[str], None],
) -> None:
    """The SMTP receiver and the inbox publisher until SIGTERM/SIGINT."""
    allow = parse_allow_list(settings.mail_smtp_recipients)
    if not allow:
        raise typer.BadParameter(
            "no recipients allowed: set DOCKETLINE_MAIL_SMTP_RECIPIENTS (addresses or @domains);"
            " the receiver takes no mail for anyone else and never relays"
        )
    parts = await asyncio.to_thread(build_mail_parts, settings, "smtp", metrics_port)
    stop = _stop_on_signals()
    try:
        handler = InboxHandler(parts.inbox, parts.publisher, parts.stats, allow)
        server = await start_receiver(
            handler, host, port, max_bytes=settings.mail_max_bytes, lmtp=lmtp
        )
        bound = server.sockets[0].getsockname()
        parts.extra.update(
            listening=f"{bound[0]}:{bound[1]}",
            protocol="lmtp" if lmtp else "smtp",
            recipients=list(allow),
            max_bytes=settings.mail_max_bytes,
        )
        parts.publisher.start()
        parts.publisher.notify()  # what an earlier run accepted and did not publish
        parts.start_status()
        echo(f"receiving NEF e-mail ({parts.extra['protocol']}) on {bound[0]}:{bound[1]}")
        if "metrics" in parts.extra:
            echo(f"metrics on {parts.extra['metrics']}")
        await stop.wait()
        echo("stopping ...")
        server.close()
        await server.wait_closed()
    finally:
        await parts.close()


async def serve_imap(
    settings: Settings,
    url: str,
    *,
    folder: str | None,
    rejected_folder: str | None,
    metrics_port: int | None,
    echo: Callable[[str], None],
) -> None:
    """The IMAP watcher until SIGTERM/SIGINT."""
    target = parse_imap_url(url, settings.mail_imap_user)
    password = settings.mail_imap_password
    token = settings.mail_imap_token
    if password is None and token is None:
        raise ImapConfigError(
            "no IMAP credentials: set DOCKETLINE_MAIL_IMAP_PASSWORD or DOCKETLINE_MAIL_IMAP_TOKEN"
        )
    options = ImapOptions(
        folder=folder,
        rejected_folder=rejected_folder,
        poll_seconds=settings.mail_imap_poll_seconds,
        idle=settings.mail_imap_idle,
        ca_file=settings.mail_imap_ca_file,
    )
    mailbox = ImapMailbox(
        target,
        Credentials(
            password=password.get_secret_value() if password else None,
            token=token.get_secret_value() if token else None,
        ),
        options,
    )
    parts = await asyncio.to_thread(build_mail_parts, settings, "imap", metrics_port)
    watcher = ImapWatcher(mailbox, parts.inbox, parts.publisher, parts.stats)
    parts.extra.update(mailbox=target.url, folder=folder, rejected_folder=rejected_folder)
    parts.live.append(lambda: {"state": watcher.state, "idle": mailbox.can_idle and options.idle})
    parts.start_status()
    stop = _stop_on_signals()
    stop_task = asyncio.create_task(stop.wait())
    run_task = asyncio.create_task(watcher.run())
    try:
        echo(f"watching {target.url} (moved to {folder or 'nowhere: marked only'})")
        if "metrics" in parts.extra:
            echo(f"metrics on {parts.extra['metrics']}")
        done, _ = await asyncio.wait({stop_task, run_task}, return_when=asyncio.FIRST_COMPLETED)
        if stop_task in done:
            echo("stopping ...")
            watcher.stop()
        await run_task
    finally:
        stop_task.cancel()
        watcher.stop()
        await asyncio.gather(run_task, return_exceptions=True)
        await parts.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def mail_command(
    smtp: Annotated[
        bool,
        typer.Option("--smtp", help="Receive NEFs over SMTP (a relay or PACER delivers here)."),
    ] = False,
    imap: Annotated[
        str | None,
        typer.Option(
            "--imap",
            metavar="URL",
            help="Read NEFs from a mailbox: imaps://user@host/INBOX (credentials from settings).",
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="SMTP: bind address (DOCKETLINE_MAIL_SMTP_HOST).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="SMTP: port, 0 for a free one (DOCKETLINE_MAIL_SMTP_PORT)."),
    ] = None,
    lmtp: Annotated[bool, typer.Option("--lmtp", help="SMTP: speak LMTP instead.")] = False,
    folder: Annotated[
        str | None,
        typer.Option(
            "--folder", help="IMAP: move published messages here (DOCKETLINE_MAIL_IMAP_FOLDER)."
        ),
    ] = None,
    rejected_folder: Annotated[
        str | None,
        typer.Option(
            "--rejected-folder",
            help="IMAP: move messages that are not NEFs here (DOCKETLINE_MAIL_IMAP_REJECTED_FOLDER).",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            help="Serve /metrics on this port (DOCKETLINE_MAIL_SMTP_METRICS_PORT / _IMAP_).",
        ),
    ] = None,
) -> None:
    """Watch NEF e-mail: an SMTP/LMTP receiver (--smtp) or an IMAP mailbox (--imap URL).

    Every message goes through the NEF adapter of `docketline ingest` and is
    kept in DATA_DIR/mail-inbox.sqlite as received, published or rejected
    (with the reason: bounces, appellate notices, spam). The SMTP receiver
    answers 250 only once the message is stored durably and publishes from the
    inbox with retries; the IMAP watcher marks (keyword $Docketline) or moves
    a message only after Kafka acknowledged its events. Status:
    DATA_DIR/watch/mail-smtp.json, mail-imap.json. Runs until SIGTERM/Ctrl-C.
    """
    if smtp == (imap is not None):
        raise typer.BadParameter("give exactly one of --smtp and --imap URL")
    if imap is not None and (host is not None or port is not None or lmtp):
        raise typer.BadParameter("--host, --port and --lmtp are options of --smtp")
    if smtp and (folder is not None or rejected_folder is not None):
        raise typer.BadParameter("--folder and --rejected-folder are options of --imap")
    settings = load_settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_connection_sync(settings)

    def echo(line: str) -> None:
        typer.echo(line)

    try:
        if smtp:
            asyncio.run(
                serve_smtp(
                    settings,
                    host if host is not None else settings.mail_smtp_host,
                    port if port is not None else settings.mail_smtp_port,
                    lmtp=lmtp,
                    metrics_port=metrics_port
                    if metrics_port is not None
                    else settings.mail_smtp_metrics_port,
                    echo=echo,
                )
            )
        else:
            assert imap is not None
            asyncio.run(
                serve_imap(
                    settings,
                    imap,
                    folder=folder if folder is not None else settings.mail_imap_folder,
                    rejected_folder=rejected_folder
                    if rejected_folder is not None
                    else settings.mail_imap_rejected_folder,
                    metrics_port=metrics_port
                    if metrics_port is not None
                    else settings.mail_imap_metrics_port,
                    echo=echo,
                )
            )
    except (ImapConfigError, ImapLoginError, ValueError, OSError) as exc:
        if isinstance(exc, typer.BadParameter):
            raise
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


def register_mail(app: typer.Typer) -> None:
    """Add ``mail`` to the ``watch`` sub-app (one line where the sub-app is built)."""
    app.command("mail")(mail_command)
