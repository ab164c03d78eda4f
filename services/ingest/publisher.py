"""Publishing parsed docket events to ``docket.events``, exactly once per event id.

The pipeline (:func:`run_ingest`) takes the adapters' records and:

1. sends every ``Rejected`` to the caller's ``on_rejected`` (printed and written
   to the rejected-records report by the CLI): nothing is dropped silently;
2. skips events whose id was already seen in this run, then events the local
   :class:`~services.ingest.ledger.Ledger` knows were acknowledged earlier;
3. sends the rest through an :class:`EventSink` and records each one in the
   ledger only after the broker acknowledged it.

:class:`KafkaEventSink` is the real sink: an idempotent aiokafka producer with
``acks="all"``, key = ``case_id`` (utf-8, so one case stays on one partition
and in order), value = :func:`schemas.codec.encode_event`. The topic is created
when missing with the partition count every case topic shares
(:mod:`services.kafka.topics`). :class:`PrintSink` is the ``--dry-run`` sink.

Records are handled in chunks: parsing (blocking file I/O and CPU) runs in a
worker thread, sends of one chunk are awaited together, so the producer batches
them and the ledger is written once per chunk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from typing import Protocol, Self

from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from schemas.codec import encode_event
from schemas.events import DocketEvent
from services.ingest.ledger import Acked, Ledger
from services.ingest.records import ParseResult, Rejected
from services.kafka import clients
from services.kafka.admin import KafkaAdminError, ensure_topics
from services.kafka.topics import topic_specs
from services.settings import Settings

CHUNK = 500

log = logging.getLogger(__name__)


class PublishError(Exception):
    """The broker cannot be reached or the events topic cannot be created."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the sink did with one event: acknowledged at (partition, offset), or an error."""

    partition: int | None = None
    offset: int | None = None
    error: str | None = None


class EventSink(Protocol):
    """Where events go. ``send`` returns one result per event, in order, after all are settled."""

    topic: str

    async def send(self, events: Sequence[DocketEvent]) -> list[SendResult]: ...


@dataclass
class IngestSummary:
    """Counts of one ingest run, and the exit-code rule of the ``ingest`` command."""

    dry_run: bool = False
    records: int = 0
    published: int = 0
    duplicates_in_run: int = 0
    duplicates_in_ledger: int = 0
    rejected: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.duplicates_in_run + self.duplicates_in_ledger

    def line(self) -> str:
        verb = "would publish" if self.dry_run else "published"
        text = (
            f"{verb} {self.published}, duplicates skipped {self.duplicates}, "
            f"rejected {self.rejected}"
        )
        if self.failed:
            text += f", failed {self.failed}"
        return text

    @property
    def valid(self) -> int:
        """Events that passed validation: published now, already published, or failed to send."""
        return self.published + self.duplicates_in_ledger + self.failed

    def note(self) -> str | None:
        """One human sentence about an outcome that needs explaining, if any."""
        if self.failed:
            return f"{self.failed} event(s) were not acknowledged by the broker; run again to retry them"
        if self.records == 0:
            return "nothing could be published: the input held no records"
        if self.valid == 0:
            return "nothing could be published: every record was rejected"
        if self.published == 0:
            return "nothing new: every valid event was already published (use --no-ledger to send again)"
        return None

    def exit_code(self) -> int:
        """0 when the input held valid events, all now on the topic (published now or before).

        Non-zero when a send was not acknowledged, or when nothing could be
        published: the input was empty or every record was rejected. A re-run
        of an ingested file exits 0 with a note, the same as its first run did;
        its rejected records are reported again either way.
        """
        if self.failed or self.valid == 0:
            return 1
        return 0


ProgressHook = Callable[[IngestSummary], None]
RejectedHook = Callable[[Rejected], None]


async def run_ingest(
    results: Iterable[ParseResult],
    sink: EventSink,
    *,
    ledger: Ledger | None = None,
    on_rejected: RejectedHook | None = None,
    on_progress: ProgressHook | None = None,
    dry_run: bool = False,
    chunk: int = CHUNK,
) -> IngestSummary:
    """Publish every parsed event once; report every rejected record. See the module doc."""
    summary = IngestSummary(dry_run=dry_run)
    seen: set[str] = set()
    records = iter(results)
    while batch := await asyncio.to_thread(_take, records, chunk):
        summary.records += len(batch)
        fresh: list[DocketEvent] = []
        for r in batch:
            if isinstance(r, Rejected):
                summary.rejected += 1
                if on_rejected is not None:
                    on_rejected(r)
            elif r.event.id in seen:
                summary.duplicates_in_run += 1
            else:
                seen.add(r.event.id)
                fresh.append(r.event)
        if ledger is not None and fresh:
            known = await asyncio.to_thread(ledger.known, sink.topic, [e.id for e in fresh])
            summary.duplicates_in_ledger += len(known)
            fresh = [e for e in fresh if e.id not in known]
        if fresh:
            outcomes = await sink.send(fresh)
            acked = []
            for event, out in zip(fresh, outcomes, strict=True):
                if out.error is None:
                    summary.published += 1
                    acked.append(
                        Acked(event.id, event.subject, out.partition or 0, out.offset or 0)
                    )
                else:
                    summary.failed += 1
                    seen.discard(event.id)
                    summary.failures.append(f"{event.subject} {event.id}: {out.error}")
            if ledger is not None and acked:
                await asyncio.to_thread(ledger.record, sink.topic, acked)
        if on_progress is not None:
            on_progress(summary)
    return summary


def _take(records: Iterator[ParseResult], n: int) -> list[ParseResult]:
    out: list[ParseResult] = []
    for r in records:
        out.append(r)
        if len(out) >= n:
            break
    return out


class KafkaEventSink:
    """Idempotent producer (``acks=all``) to ``settings.topic_events``; use as ``async with``."""

    def __init__(self, settings: Settings, *, connect_timeout: float = 30.0) -> None:
        self.settings = settings
        self.topic = settings.topic_events
        self._connect_timeout = connect_timeout
        self._producer: AIOKafkaProducer | None = None

    async def __aenter__(self) -> Self:
        where = self.settings.bootstrap_servers
        specs = [s for s in topic_specs(self.settings) if s.name == self.topic]
        try:
            await ensure_topics(self.settings, specs, timeout=self._connect_timeout)
        except KafkaAdminError as exc:
            raise PublishError(f"cannot prepare topic {self.topic} on {where}: {exc}") from exc
        producer = clients.producer(
            self.settings,
            client_id=clients.client_id(self.settings, "ingest"),
            enable_idempotence=True,
            acks="all",
            linger_ms=20,
            request_timeout_ms=int(self._connect_timeout * 1000),
        )
        try:
            await asyncio.wait_for(producer.start(), timeout=self._connect_timeout)
        except (TimeoutError, KafkaError, OSError) as exc:
            await producer.stop()
            raise PublishError(
                f"cannot connect to Kafka at {where}: {type(exc).__name__}: {exc}"
            ) from exc
        self._producer = producer
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(self, events: Sequence[DocketEvent]) -> list[SendResult]:
        if self._producer is None:
            raise RuntimeError("KafkaEventSink used outside 'async with'")
        pending: list[asyncio.Future[object] | SendResult] = []
        for event in events:
            try:
                pending.append(
                    await self._producer.send(
                        self.topic, value=encode_event(event), key=event.subject.encode("utf-8")
                    )
                )
            except KafkaError as exc:  # refused before queuing (e.g. record too large)
                pending.append(SendResult(error=f"{type(exc).__name__}: {exc}"))
        futures = [p for p in pending if not isinstance(p, SendResult)]
        settled = iter(await asyncio.gather(*futures, return_exceptions=True))
        results = []
        for p in pending:
            if isinstance(p, SendResult):
                results.append(p)
                continue
            meta = next(settled)
            if isinstance(meta, BaseException):
                results.append(SendResult(error=f"{type(meta).__name__}: {meta}"))
            else:
                results.append(SendResult(partition=meta.partition, offset=meta.offset))  # type: ignore[attr-defined]
        return results


class PrintSink:
    """``--dry-run``: no Kafka; every event is handed to ``show`` and counts as sent."""

    def __init__(self, topic: str, show: Callable[[DocketEvent], None]) -> None:
        self.topic = topic
        self._show = show

    async def send(self, events: Sequence[DocketEvent]) -> list[SendResult]:
        for event in events:
            self._show(event)
        return [SendResult() for _ in events]


SinkOpener = Callable[[], AbstractAsyncContextManager[EventSink]]


class LazySink:
    """The sink of a long-running publisher: opened at first use, dropped after a failure.

    A dropped sink is closed (its producer may be broken: broker restarted,
    topic recreated); the next :meth:`get` opens a new one.
    """

    def __init__(self, open_sink: SinkOpener) -> None:
        self._open_sink = open_sink
        self._sink: EventSink | None = None
        self._stack: AsyncExitStack | None = None

    async def get(self) -> EventSink:
        """The open sink; raises :class:`PublishError` when it cannot be opened."""
        if self._sink is None:
            stack = AsyncExitStack()
            try:
                self._sink = await stack.enter_async_context(self._open_sink())
            except BaseException:
                await stack.aclose()
                raise
            self._stack = stack
        return self._sink

    async def drop(self) -> None:
        stack, self._sink, self._stack = self._stack, None, None
        if stack is not None:
            try:
                await stack.aclose()
            except Exception:  # a producer that fails to close is gone anyway
                log.exception("closing the Kafka producer failed")


async def drain_forever(
    process_due: Callable[[], Awaitable[int]],
    next_due: Callable[[], float | None],
    wake: asyncio.Event,
    *,
    idle_poll: float,
    after_error: float,
    clock: Callable[[], float],
    on_error: Callable[[Exception], None],
) -> None:
    """The drain loop of an inbox publisher: pass after pass while work is due, else sleep
    until the next due time, ``idle_poll`` at most, or until ``wake`` is set.

    A failed pass is handed to ``on_error`` and retried after ``after_error``:
    nothing is lost, the inbox keeps the work open (the loop outlives any failure).
    ``next_due`` is blocking (SQLite) and runs in a thread.
    """

    async def sleep(seconds: float) -> None:
        try:
            await asyncio.wait_for(wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    while True:
        wake.clear()
        try:
            handled = await process_due()
        except Exception as exc:  # the loop must outlive any one failure
            on_error(exc)
            await sleep(after_error)
            continue
        if handled:
            continue
        nxt = await asyncio.to_thread(next_due)
        delay = idle_poll
        if nxt is not None:
            delay = min(delay, max(0.0, nxt - clock()))
        await sleep(delay)
