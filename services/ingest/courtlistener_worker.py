"""Publishing the CourtListener inbox: resolve each docket, then the shared step and publisher.

:class:`WebhookIngest` is the live half of CourtListener docket alerts. The
HTTP route commits a delivery to the :class:`~services.ingest.courtlistener_inbox.Inbox`
and calls :meth:`WebhookIngest.notify`; the loop then takes the due entries and

1. resolves their CourtListener docket ids (in parallel, bounded) through the
   cached :class:`~services.ingest.courtlistener_api.DocketResolver`;
2. turns each entry into a record with the pure
   :func:`~services.ingest.courtlistener_webhook.to_record` (the shared
   ``to_result`` step: same case ids and entry keys as every other source);
3. publishes through :func:`~services.ingest.publisher.run_ingest` with the
   same Kafka sink and ledger as ``docketline ingest``;
4. settles every entry in the inbox: ``published``, ``rejected`` (with the
   shared step's reason), or ``retrying`` with the error and a next attempt
   time (exponential backoff, or CourtListener's ``Retry-After``).

Nothing is dropped: an entry leaves the open set only when the broker
acknowledged its event (or the ledger says it did earlier) or the shared step
rejected it, and it stays in the inbox either way. A crash between publishing
and settling re-publishes on restart; event ids are deterministic and the
ledger skips what was acknowledged, so that is harmless.

One inbox per ``data_dir``: run one API process per data directory (more
processes on one directory would both publish the same entries; harmless for
consumers thanks to event ids, but wasteful).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from pydantic import ValidationError

from services.ingest.courtlistener_api import (
    ApiPolicy,
    Clock,
    CourtListenerError,
    CourtListenerUnavailable,
    DocketInfo,
    DocketResolver,
    build_resolver,
)
from services.ingest.courtlistener_inbox import DueEntry, Inbox, Settled
from services.ingest.courtlistener_webhook import WebhookEntry, entry_from_json, to_record
from services.ingest.ledger import Ledger
from services.ingest.publisher import (
    KafkaEventSink,
    LazySink,
    PublishError,
    SinkOpener,
    drain_forever,
    run_ingest,
)
from services.ingest.records import Parsed, ParseResult, Rejected
from services.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Tuning of the CourtListener webhook ingest (``app.state.courtlistener_ingest_config``)."""

    retry_min: float = 1.0
    retry_base: float = 30.0
    """First retry delay of an entry that could not be published; doubles per attempt."""
    retry_cap: float = 3600.0
    batch: int = 200
    parallel_lookups: int = 4
    idle_poll: float = 30.0
    """Longest sleep with nothing due (a safety net; :meth:`WebhookIngest.notify` wakes it)."""
    cache_ttl: float = 6 * 3600.0
    api: ApiPolicy = field(default_factory=ApiPolicy)
    max_body_bytes: int = 5 * 1024 * 1024

    def retry_delay(self, attempts: int, asked: float | None) -> float:
        """Delay before the next try after ``attempts`` failed ones (``asked``: Retry-After)."""
        if asked is not None:
            return max(self.retry_min, asked)
        return float(
            max(self.retry_min, min(self.retry_cap, self.retry_base * 2 ** (attempts - 1)))
        )


class WebhookIngest:
    """Publishes due inbox entries; ``start()`` runs the loop, ``aclose()`` stops it."""

    def __init__(
        self,
        inbox: Inbox,
        resolver: DocketResolver,
        open_sink: SinkOpener,
        *,
        ledger: Ledger | None,
        config: WebhookConfig = WebhookConfig(),
        clock: Clock = time.time,
    ) -> None:
        self.inbox = inbox
        self.resolver = resolver
        self.config = config
        self._ledger = ledger
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sink = LazySink(open_sink)
        self._closers: list[Callable[[], object]] = []
        self.entries: Counter[str] = Counter()
        """Entry tries by outcome: ``published``, ``already_published``, ``rejected``,
        ``unresolved`` (docket lookup failed), ``unpublished`` (Kafka failed)."""
        self.deliveries: Counter[str] = Counter()
        """Deliveries received by outcome (counted by the route): ``accepted``, ``duplicate``,
        ``invalid``, ``conflict``, ``unauthorized`` is the auth layer's."""
        self.loop_errors = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="courtlistener-webhook-ingest")

    def notify(self) -> None:
        """Something new is in the inbox: look now rather than at the next poll."""
        self._wake.set()

    def on_close(self, closer: Callable[[], object]) -> None:
        """Run ``closer`` (sync or async) at :meth:`aclose`, after the loop stopped."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._sink.drop()
        for closer in reversed(self._closers):
            result = closer()
            if asyncio.iscoroutine(result):
                await result
        self._closers.clear()

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
        # Nothing is lost: entries stay open in the inbox and are tried again.
        self.loop_errors += 1
        log.error("CourtListener webhook ingest: a pass failed; retrying", exc_info=exc)

    # ------------------------------------------------------------------ one pass
    async def process_due(self) -> int:
        """Try every due entry once (up to ``config.batch``); returns how many were tried."""
        now = self.clock()
        due = await asyncio.to_thread(self.inbox.due, now, self.config.batch)
        if not due:
            return 0
        outcomes: list[Settled] = []
        entries: list[tuple[DueEntry, WebhookEntry]] = []
        for row in due:
            try:
                entries.append((row, entry_from_json(row.entry)))
            except ValidationError as exc:  # the row was validated when stored: corruption
                outcomes.append(
                    Settled(row.key, row.idx, "rejected", f"stored entry unreadable: {exc}")
                )
                self.entries["rejected"] += 1
        dockets = await self._resolve({row.docket_id for row, _ in entries})
        records: list[tuple[DueEntry, ParseResult]] = []
        for row, entry in entries:
            docket = dockets[row.docket_id]
            if isinstance(docket, CourtListenerError):
                asked = docket.retry_after if isinstance(docket, CourtListenerUnavailable) else None
                outcomes.append(self._retry(row, str(docket), asked, now))
                self.entries["unresolved"] += 1
                continue
            case = docket.source_case()
            records.append((row, to_record(entry, case, where=row.where, raw=row.entry)))
        outcomes.extend(await self._publish(records, now))
        await asyncio.to_thread(self.inbox.settle, outcomes, self.clock())
        return len(due)

    async def _resolve(self, ids: set[int]) -> dict[int, DocketInfo | CourtListenerError]:
        gate = asyncio.Semaphore(self.config.parallel_lookups)

        async def one(docket_id: int) -> tuple[int, DocketInfo | CourtListenerError]:
            async with gate:
                try:
                    return docket_id, await self.resolver.resolve(docket_id)
                except CourtListenerError as exc:
                    log.warning("CourtListener docket %s not resolved: %s", docket_id, exc)
                    return docket_id, exc

        return dict(await asyncio.gather(*(one(i) for i in sorted(ids))))

    async def _publish(
        self, records: Sequence[tuple[DueEntry, ParseResult]], now: float
    ) -> list[Settled]:
        if not records:
            return []
        rejected: dict[str, str] = {}
        parsed = [(row, r) for row, r in records if isinstance(r, Parsed)]
        for row, r in records:
            if isinstance(r, Rejected):
                rejected[row.where] = r.reason
        outcomes = [
            Settled(row.key, row.idx, "rejected", rejected[row.where])
            for row, _ in records
            if row.where in rejected
        ]
        if outcomes:
            self.entries["rejected"] += len(outcomes)
        if not parsed:
            return outcomes
        try:
            sink = await self._sink.get()
            summary = await run_ingest([r for _, r in parsed], sink, ledger=self._ledger)
        except PublishError as exc:
            await self._sink.drop()
            return outcomes + self._unpublished(parsed, str(exc), now)
        if summary.failed:
            # Which ones failed is in the summary's text only; retry the whole group:
            # the ledger turns the acknowledged ones into skipped duplicates next time.
            await self._sink.drop()
            reason = "Kafka did not acknowledge: " + "; ".join(summary.failures[:3])
            return outcomes + self._unpublished(parsed, reason, now)
        for outcome, n in (
            ("published", summary.published),
            ("already_published", summary.duplicates),
        ):
            if n:
                self.entries[outcome] += n
        for row, r in parsed:
            assert isinstance(r, Parsed)
            outcomes.append(
                Settled(row.key, row.idx, "published", event_id=r.event.id, case_id=r.event.subject)
            )
        return outcomes

    def _unpublished(
        self, parsed: Sequence[tuple[DueEntry, ParseResult]], reason: str, now: float
    ) -> list[Settled]:
        log.warning("CourtListener webhook entries not published: %s", reason)
        self.entries["unpublished"] += len(parsed)
        return [self._retry(row, reason, None, now) for row, _ in parsed]

    def _retry(self, row: DueEntry, reason: str, asked: float | None, now: float) -> Settled:
        delay = self.config.retry_delay(row.attempts + 1, asked)
        return Settled(row.key, row.idx, "retrying", reason, next_attempt_at=now + delay)


def build_webhook_ingest(
    settings: Settings,
    config: WebhookConfig = WebhookConfig(),
    *,
    http: httpx.AsyncClient | None = None,
    open_sink: SinkOpener | None = None,
    clock: Clock = time.time,
) -> WebhookIngest:
    """The one bootstrap: inbox, docket cache and ledger under ``data_dir``; a client for
    CourtListener's API (``http``, or one built and closed here); the Kafka sink of
    ``docketline ingest`` (``open_sink`` for tests). Blocking (opens SQLite files)."""
    client = (
        http
        if http is not None
        else httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(config.api.timeout, connect=config.api.connect_timeout),
            headers={"User-Agent": "docketline (CourtListener docket alerts)"},
        )
    )
    inbox = Inbox.in_data_dir(settings.data_dir)
    resolver = build_resolver(
        settings, client, policy=config.api, ttl=config.cache_ttl, clock=clock
    )
    ledger = Ledger.in_data_dir(settings.data_dir)
    service = WebhookIngest(
        inbox,
        resolver,
        open_sink if open_sink is not None else (lambda: KafkaEventSink(settings)),
        ledger=ledger,
        config=config,
        clock=clock,
    )
    if http is None:
        service.on_close(client.aclose)
    service.on_close(inbox.close)
    service.on_close(resolver.cache.close)
    service.on_close(ledger.close)
    return service
