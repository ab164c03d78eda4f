"""Publishing the mail inbox: screen, NEF adapter, the shared publisher, then the inbox state.

:class:`MailPublisher` is the one path from a stored e-mail to ``docket.events``
for both mail watchers:

1. :func:`~services.ingest.watch.mail.screen` rejects bounces, automatic
   replies, appellate notices and non-e-mail bytes;
2. :func:`services.ingest.adapters.nef.parse` (the adapter ``docketline
   ingest`` uses) reads the notice; :func:`~services.ingest.watch.mail.settle`
   turns its records into the message's outcome;
3. the events go out through :func:`~services.ingest.publisher.run_ingest`
   with the same :class:`~services.ingest.publisher.KafkaEventSink` and ledger
   as ``docketline ingest``;
4. the inbox records ``published`` only after Kafka acknowledged every event
   of the message (or the ledger says it did earlier), ``rejected`` with the
   reason, or a failed try with a backoff.

A crash between the acknowledgement and step 4 leaves the message
``received``: it is published again on restart, with the same deterministic
event ids (consumers fold an event id once; the ledger usually skips the send).

The SMTP receiver runs :meth:`MailPublisher.run` as its drain loop; the IMAP
watcher calls :meth:`MailPublisher.process` for the messages it fetched and
marks them on the server only once they are final.

Also here: :class:`MailStats` (counters of one watcher process), the status
file ``DATA_DIR/watch/mail-<mode>.json`` that ``docketline watch status``
reads (:func:`read_mail_status`), and the Prometheus collector of ``/metrics``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.ingest.adapters import nef
from services.ingest.ledger import Ledger
from services.ingest.publisher import (
    LazySink,
    PublishError,
    SinkOpener,
    drain_forever,
    run_ingest,
)
from services.ingest.watch.inbox import DueMessage, MailInbox, Try
from services.ingest.watch.mail import (
    REJECT_KINDS,
    Settlement,
    rejected_by_screen,
    retry_delay,
    screen,
    settle,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]

STATUS_DIR: Final = "watch"


@dataclass(frozen=True, slots=True)
class PublishConfig:
    """Tuning of the inbox publisher."""

    batch: int = 50
    retry_base: float = 2.0
    """First retry delay of a message Kafka did not take; doubles per attempt."""
    retry_cap: float = 300.0
    idle_poll: float = 30.0
    """Longest sleep with nothing due (a safety net; :meth:`MailPublisher.notify` wakes it)."""


@dataclass
class MailStats:
    """Counters of one watcher process (``/metrics``, the status file).

    ``messages``: ``received`` (stored new), ``duplicate`` (stored before),
    ``refused`` (SMTP: not taken, e.g. recipient or size), ``published``,
    ``rejected``, ``failed`` (a try Kafka did not take), and for IMAP
    ``marked`` / ``moved``. ``events``: ``published`` and ``already_published``.
    """

    mode: str
    messages: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    started_at: float = field(default_factory=time.time)

    def error(self, text: str, now: float | None = None) -> None:
        self.errors += 1
        self.last_error = text
        self.last_error_at = time.time() if now is None else now


class MailPublisher:
    """Publishes received inbox messages; ``start()`` runs the drain loop, ``aclose()`` stops it."""

    def __init__(
        self,
        inbox: MailInbox,
        open_sink: SinkOpener,
        *,
        ledger: Ledger | None,
        stats: MailStats,
        config: PublishConfig = PublishConfig(),
        clock: Clock = time.time,
    ) -> None:
        self.inbox = inbox
        self.stats = stats
        self.config = config
        self.clock = clock
        self._ledger = ledger
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sink = LazySink(open_sink)
        self.on_change: Callable[[], None] = lambda: None
        """Called after every recorded try (the status file hooks in here)."""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mail-inbox-publisher")

    def notify(self) -> None:
        """Something new is in the inbox: look now rather than at the next poll."""
        self._wake.set()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._sink.drop()

    async def _run(self) -> None:
        await drain_forever(
            self.process_due,
            self.inbox.next_due,
            self._wake,
            idle_poll=self.config.idle_poll,
            after_error=self.config.retry_base,
            clock=self.clock,
            on_error=self._pass_failed,
        )

    def _pass_failed(self, exc: Exception) -> None:
        # Nothing is lost: the messages stay received in the inbox and are tried again.
        self.stats.error(f"publisher pass failed: {type(exc).__name__}: {exc}")
        log.error("mail inbox publisher: a pass failed; retrying", exc_info=exc)

    # ------------------------------------------------------------------ one pass
    async def process_due(self) -> int:
        """Try every due message once (up to ``config.batch``); returns how many were tried."""
        due = await asyncio.to_thread(self.inbox.due, self.clock(), self.config.batch)
        if due:
            await self.process(due)
        return len(due)

    async def process(self, rows: Sequence[DueMessage]) -> list[Try]:
        """Try ``rows`` once and record the outcomes in the inbox (see the module doc)."""
        if not rows:
            return []
        settlements = await asyncio.to_thread(_settle_all, rows)
        tries: list[Try] = []
        publish: list[tuple[DueMessage, Settlement]] = []
        for row, s in zip(rows, settlements, strict=True):
            if s.state == "rejected":
                tries.append(Try(row.id, "rejected", s.reason, s.kind))
                self.stats.rejected[s.kind or "not_nef"] += 1
                self.stats.messages["rejected"] += 1
            else:
                publish.append((row, s))
        tries.extend(await self._publish(publish))
        await asyncio.to_thread(self.inbox.record, tries, self.clock())
        if any(t.outcome != "failed" for t in tries):
            self.stats.last_success_at = self.clock()
        self.on_change()
        return tries

    async def _publish(self, items: Sequence[tuple[DueMessage, Settlement]]) -> list[Try]:
        if not items:
            return []
        events = [p for _, s in items for p in s.events]
        try:
            sink = await self._sink.get()
            summary = await run_ingest(events, sink, ledger=self._ledger)
        except PublishError as exc:
            await self._sink.drop()
            return self._failed(items, str(exc))
        if summary.failed:
            # Which events failed is in the summary's text only; retry the whole group:
            # the ledger turns the acknowledged ones into skipped duplicates next time.
            await self._sink.drop()
            return self._failed(
                items, "Kafka did not acknowledge: " + "; ".join(summary.failures[:3])
            )
        self.stats.events["published"] += summary.published
        self.stats.events["already_published"] += summary.duplicates
        self.stats.messages["published"] += len(items)
        return [
            Try(
                row.id,
                "published",
                "; ".join(s.notes) or None,
                event_ids=tuple(p.event.id for p in s.events),
            )
            for row, s in items
        ]

    def _failed(self, items: Sequence[tuple[DueMessage, Settlement]], reason: str) -> list[Try]:
        log.warning("%d mail message(s) not published: %s", len(items), reason)
        now = self.clock()
        self.stats.messages["failed"] += len(items)
        self.stats.error(reason, now)
        return [
            Try(
                row.id,
                "failed",
                reason,
                next_attempt_at=now
                + retry_delay(row.attempts + 1, self.config.retry_base, self.config.retry_cap),
            )
            for row, _ in items
        ]


def _settle_all(rows: Sequence[DueMessage]) -> list[Settlement]:
    """Screen and parse each message (CPU: run in a thread)."""
    out = []
    for row in rows:
        verdict = screen(row.raw, row.envelope_from)
        out.append(
            rejected_by_screen(verdict) if verdict else settle(nef.parse(row.raw, row.where))
        )
    return out


# --------------------------------------------------------------------------- status file


def status_path(data_dir: Path, mode: str) -> Path:
    return data_dir / STATUS_DIR / f"mail-{mode}.json"


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def status_document(
    stats: MailStats, inbox_counts: dict[str, int], extra: dict[str, Any], *, running: bool
) -> dict[str, Any]:
    """The status file's content (the shape ``docketline watch status`` reads)."""
    return {
        "watcher": f"mail-{stats.mode}",
        "pid": os.getpid(),
        "running": running,
        "started_at": _iso(stats.started_at),
        "updated_at": _iso(time.time()),
        **extra,
        "messages": dict(stats.messages),
        "rejected": dict(stats.rejected),
        "events": dict(stats.events),
        "errors": stats.errors,
        "inbox": inbox_counts,
        "last_success_at": _iso(stats.last_success_at),
        "last_error": stats.last_error,
        "last_error_at": _iso(stats.last_error_at),
    }


class StatusFile:
    """Writes the status document atomically (temp file + rename), at most once per ``every``."""

    def __init__(
        self,
        path: Path,
        stats: MailStats,
        inbox: MailInbox,
        extra: Callable[[], dict[str, Any]],
        every: float = 1.0,
    ) -> None:
        self.path = path
        self._stats = stats
        self._inbox = inbox
        self._extra = extra
        self._every = every
        self._last = 0.0
        self._dirty = False

    def changed(self) -> None:
        """Something changed: written now, or by :meth:`keep_fresh` within ``every``."""
        now = time.monotonic()
        if now - self._last >= self._every:
            self.write(running=True)
        else:
            self._dirty = True

    async def keep_fresh(self) -> None:
        """Write the changes :meth:`changed` held back (run as a task while the watcher runs)."""
        while True:
            await asyncio.sleep(self._every)
            if self._dirty:
                await asyncio.to_thread(self.write, running=True)

    def write(self, *, running: bool) -> None:
        self._last = time.monotonic()
        self._dirty = False
        doc = status_document(self._stats, self._inbox.counts(), self._extra(), running=running)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(doc, indent=2) + "\n")
            os.replace(tmp, self.path)
        except OSError as exc:  # status is for people; the inbox is the record
            log.warning("cannot write watcher status %s: %s", self.path, exc)


def read_mail_status(data_dir: Path) -> list[dict[str, Any]]:
    """The status documents of the mail watchers that ever ran on ``data_dir``.

    ``running`` is cleared when the recorded process no longer exists (a
    watcher that was killed cannot clear it itself).
    """
    out = []
    for mode in ("smtp", "imap"):
        path = status_path(data_dir, mode)
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if doc.get("running") and not _alive(int(doc.get("pid", 0))):
            doc["running"] = False
        out.append(doc)
    return out


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- /metrics


class MailCollector(Collector):
    """The watcher's counters and the inbox's states, read at scrape time."""

    def __init__(self, stats: MailStats, inbox: MailInbox) -> None:
        self._stats = stats
        self._inbox = inbox

    def collect(self) -> list[Metric]:
        s = self._stats
        watcher = f"mail-{s.mode}"
        messages = CounterMetricFamily(
            "docketline_mail_messages",
            "Mail messages handled by this watcher process, by outcome",
            labels=["watcher", "outcome"],
        )
        for outcome in ("received", "duplicate", "refused", "published", "rejected", "failed",
                        "marked", "moved"):  # fmt: skip
            messages.add_metric([watcher, outcome], s.messages.get(outcome, 0))
        rejected = CounterMetricFamily(
            "docketline_mail_rejected",
            "Mail messages rejected as not a district-court NEF, by kind",
            labels=["watcher", "kind"],
        )
        for kind in REJECT_KINDS:
            rejected.add_metric([watcher, kind], s.rejected.get(kind, 0))
        events = CounterMetricFamily(
            "docketline_mail_events",
            "Docket events from mail, by outcome",
            labels=["watcher", "outcome"],
        )
        for outcome in ("published", "already_published"):
            events.add_metric([watcher, outcome], s.events.get(outcome, 0))
        errors = CounterMetricFamily(
            "docketline_mail_errors", "Errors of this watcher process", labels=["watcher"]
        )
        errors.add_metric([watcher], s.errors)
        inbox = GaugeMetricFamily(
            "docketline_mail_inbox_messages",
            "Messages in the mail inbox (DATA_DIR/mail-inbox.sqlite), by state",
            labels=["state"],
        )
        for state, n in self._inbox.counts().items():
            inbox.add_metric([state], n)
        last = GaugeMetricFamily(
            "docketline_mail_last_success_timestamp_seconds",
            "When a message was last published or rejected (0: never)",
            labels=["watcher"],
        )
        last.add_metric([watcher], s.last_success_at or 0.0)
        last_error = GaugeMetricFamily(
            "docketline_mail_last_error_timestamp_seconds",
            "When the last error happened (0: never)",
            labels=["watcher"],
        )
        last_error.add_metric([watcher], s.last_error_at or 0.0)
        return [messages, rejected, events, errors, inbox, last, last_error]


def serve_metrics(stats: MailStats, inbox: MailInbox, host: str, port: int) -> Callable[[], None]:
    """Serve ``/metrics`` on ``host:port`` in a thread; returns the function that stops it."""
    registry = CollectorRegistry()
    registry.register(MailCollector(stats, inbox))
    server, thread = start_http_server(port, addr=host, registry=registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
