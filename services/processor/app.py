"""The faust wiring: topics, the ``cases`` table and one thin agent.

The agent decodes nothing itself: :func:`services.processor.step.handle_record`
does the work. Events are taken in batches (``stream.take_events``); for each
batch the agent writes, in this order:

1. alerts to ``case.alerts`` and dead letters to ``docket.events.dlq`` — all
   awaited until the broker acknowledges them (one round trip per batch);
2. the new state of each changed case to the ``cases`` table (RocksDB),
   whose changelog is the compacted ``case.states`` topic itself: one record
   per changed case is both the table's recovery log and the snapshot every
   reader consumes. The changelog records are awaited first and the RocksDB
   store is written after them, so the store never holds a state the
   changelog lacks (then the offsets are committed).

Every output goes straight to faust's producer (``app.producer.send``, the
aiokafka future), not through faust's ``Topic.send``/``send_soon`` queue and
its per-message bookkeeping; for the table that means the agent writes the
store and the changelog record itself, to the partition of the event, and
records the changelog offset as faust's own changelog callback does.

Alerts first: if the worker dies after (1) and before (2), the event is
re-processed and the same alerts (same deterministic ids) are sent again —
at-least-once, de-duplicated by id downstream. The reverse order could lose an
alert, because a re-processed event that is already in the table is a no-op.

Bad records go to ``docket.events.dlq`` explicitly (faust acks a message even
when the agent raises). A batch that fails for any reason (a Kafka error
while writing, or a bug) is rolled back and retried in place (``fold_batch``),
so the record is not committed until its outputs are written.

Offsets are the processor's own (:mod:`services.processor.offsets`). faust's
acknowledgements are switched off for ``docket.events`` (``acks=False``), so
faust never commits its offsets: its bookkeeping committed offsets past
records the agent never received after a rebalance, and stalled on others
(the scale-out fault tests caught both). Instead the agent folds a record only
when it is the next one of its partition (an older one is a redelivery, a
newer one means records were lost on the way: the agent seeks back), waits
until every output of the batch is acknowledged (alerts, dead letters, the
table's changelog records, the snapshots) and then commits exactly what it
folded. On a rebalance the agent finishes its batch before the partitions are
given up, commits, and starts again from the group's committed offsets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import faust
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faust.exceptions import ProducerSendError
from faust.streams import _current_event
from faust.types import TP
from prometheus_client import Counter

from schemas.codec import decode_state, encode
from schemas.projection import CaseState
from services.kafka import clients
from services.kafka.admin import committed_offsets
from services.kafka.topics import MAX_MESSAGE_BYTES, MAX_OUTPUT_BYTES, OUTPUT_COMPRESSION
from services.processor.offsets import OffsetLedger, Verdict
from services.processor.step import DeadLetter, Outcome, RecordRef, handle_record
from services.settings import Settings

log = logging.getLogger("docketline.processor")

EVENTS_PROCESSED = Counter(
    "docketline_processor_events_total", "Docket events handled", ["outcome"]
)
BATCH_FAILURES = Counter(
    "docketline_processor_batch_failures_total",
    "Batch attempts that failed and were rolled back",
    ["error"],
)

STATE_CACHE_SIZE = 10_000
BATCH_MAX = 500
BATCH_WITHIN_S = 0.05
PRODUCER_BATCH_BYTES = 1 << 20
PRODUCER_LINGER_S = 0.005
SEEK_RETRY_S = 2.0
"""A seek back that has not brought the missing record after this long is repeated.

It can fail: records fetched before the seek and still on their way to the
agent advance faust's read offset past the seek target, and faust then drops
the re-fetched records as already read. Once those stale records are through,
a repeated seek succeeds.
"""
FETCH_MAX_WAIT_MS = 100
"""How long the broker may hold a fetch with nothing new (faust hard-codes 1,500 ms).

aiokafka keeps one fetch in flight per broker, covering only partitions with
nothing buffered: a partition whose records the agent has just taken waits for
that fetch to come back, up to the full wait when the other partitions are
quiet. At 1,500 ms that put ~1.2 s between a record's arrival and the agent
(produce -> alert p50 1.6 s at 300 events/s); at 100 ms, p50 0.26 s
(bench/README.md). The cost is at most ten empty fetches a second when idle.
"""


ROCKSDB_OPTIONS = {
    "write_buffer_size": 16 * 2**20,
    "max_write_buffer_number": 2,
    "block_cache_size": 32 * 2**20,
}
"""Memory of each partition's RocksDB database (a worker opens one per partition it owns).

faust's defaults are 3 write buffers of 64 MiB and a 2 GiB block cache per database:
with 4 partitions up to 768 MiB of memtables and caches that grow with the data, while
the worker's reads mostly hit its own decoded-state cache. These bound a partition to
64 MiB of memtables and 32 MiB of cache.
"""
FULL_GC_IDLE_S = 2.0
FULL_GC_AT_LEAST_EVERY_S = 600.0
FULL_GC_CHECK_S = 1.0
GC_THRESHOLDS = (700, 10, 1_000_000)
"""Python's young generations as usual; the oldest one never collected by itself.

The state cache holds ~10k decoded cases (~1M objects with full dockets), and a
full collection of them takes ~1.2 s of stopped worker (measured): CPython ran one
whenever a quarter as many objects again had reached the old generation, i.e.
every few seconds under load, which put produce -> alert latency p99 at 1.1 s
(full bench, 41,666 cases). Cached states are freed by reference counting when
evicted (they hold no cycles); only cyclic garbage needs a full collection, and
the worker takes one when it has been idle for ``FULL_GC_IDLE_S`` after work, or
at least every ``FULL_GC_AT_LEAST_EVERY_S`` when it never is.
"""


def configure_gc() -> None:
    """Set ``GC_THRESHOLDS`` for this process: the worker's, before it runs (not on import or build)."""
    gc.set_threshold(*GC_THRESHOLDS)


def full_collection_due(
    now: float, last_batch_end: float, last_full: float, batches_since_full: int, busy: bool
) -> bool:
    """Whether the worker should take a full garbage collection now (see ``GC_THRESHOLDS``)."""
    if batches_since_full == 0:
        return False  # nothing allocated since the last one
    if not busy and now - last_batch_end >= FULL_GC_IDLE_S:
        return True
    return now - last_full >= FULL_GC_AT_LEAST_EVERY_S


def _shorten_fetch_wait() -> None:
    """Make faust's worker consumers use ``FETCH_MAX_WAIT_MS`` (faust offers no setting for it)."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    original = AIOKafkaConsumerThread._create_worker_consumer
    if getattr(original, "_docketline", False):
        return

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by AIOKafkaConsumer.start()
        return consumer

    create._docketline = True  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]


class BatchHandler(Protocol):
    async def __call__(self, batch: Sequence[Any], *, rewrite: bool = False) -> None: ...


async def fold_batch(
    batch: Sequence[Any],
    handle: BatchHandler,
    ledger: OffsetLedger[Any],
    stats: dict[str, int],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Fold ``batch`` with ``handle`` until its outputs are written, retrying in place.

    Every failed attempt rolls the ledger back, whatever it raised, so nothing
    of the batch is committed until its outputs are written (a stuck partition
    is visible in lag metrics and ``docketline_processor_batch_failures_total``).
    Without the rollback, a bug's exception left the records admitted: the next
    batch (or the agent faust restarts) committed past records never written.
    Cancellation rolls back too and is passed on.
    """
    delay = 0.5
    rewrite = False
    while True:
        try:
            await handle(batch, rewrite=rewrite)
            return
        except (TimeoutError, KafkaError, ProducerSendError, OSError) as exc:
            # broker away or a write refused
            log.error("writing outputs failed (%r); retrying the batch in %.1fs", exc, delay)
            stats["write_retries"] += 1
            BATCH_FAILURES.labels(type(exc).__name__).inc()
            ledger.rollback()
        except Exception as exc:  # a bug: the same rollback, and the traceback
            log.exception("a batch failed (%r); retrying it in %.1fs", exc, delay)
            stats["batch_errors"] += 1
            BATCH_FAILURES.labels(type(exc).__name__).inc()
            ledger.rollback()
        except BaseException:
            ledger.rollback()
            raise
        rewrite = True
        await sleep(delay)
        delay = min(delay * 2, 30.0)


@dataclass
class Processor:
    """Everything the worker runs, built from settings by :func:`build_processor`."""

    app: faust.App
    settings: Settings
    stats: dict[str, int]


class _StateCache:
    """Decoded states by case id, valid while the table holds the same bytes."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, tuple[bytes, CaseState]] = OrderedDict()

    def get(self, case_id: str, raw: bytes) -> CaseState:
        hit = self._items.get(case_id)
        if hit is not None and hit[0] == raw:
            self._items.move_to_end(case_id)
            return hit[1]
        state = decode_state(raw)
        self.put(case_id, raw, state)
        return state

    def put(self, case_id: str, raw: bytes, state: CaseState) -> None:
        self._items[case_id] = (raw, state)
        self._items.move_to_end(case_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


def build_processor(settings: Settings, *, web_port: int | None = None) -> Processor:
    """Build the faust app for ``settings``; no connection is made until it runs."""
    _shorten_fetch_wait()
    app_id = f"{settings.topic_prefix}{settings.processor_app_id}"
    app = clients.faust_app(
        settings,
        app_id,
        store="rocksdb://",
        datadir=str(settings.data_dir / "processor"),
        topic_partitions=settings.partitions,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=web_port is not None,
        web_port=web_port or 6066,
        web_in_thread=False,
        autodiscover=False,
        table_standby_replicas=0,
        producer_max_request_size=MAX_OUTPUT_BYTES,  # uncompressed; the broker checks the compressed batch
        producer_compression_type=OUTPUT_COMPRESSION,
        # A batch's outputs are awaited together, so let the producer pack them: with faust's
        # 16 KB batches and no linger, every few ~7 KB states made a produce request of their
        # own (socket writes were a quarter of the worker's CPU). bench/README.md has the A/B.
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        producer_linger=PRODUCER_LINGER_S,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
    )
    events = app.topic(
        settings.topic_events,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        acks=False,  # faust never commits these offsets: the agent does (module docstring)
    )
    states = app.topic(
        settings.topic_states,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        compacting=True,
    )
    alerts = app.topic(
        settings.topic_alerts,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )
    dlq = app.topic(
        settings.topic_dlq,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )
    cases: faust.Table[bytes, bytes] = faust.Table(
        app,
        name="cases",
        default=None,
        beacon=app.tables.beacon,
        key_type=bytes,  # bytes -> the "raw" serializer: we encode states ourselves
        value_type=bytes,
        partitions=settings.partitions,
        # the table's changelog IS case.states (compacted, keyed by case id, the same
        # partitioning as docket.events): one write per changed case serves the table's
        # recovery and every reader of the snapshots
        changelog_topic=states,
        options=dict(ROCKSDB_OPTIONS),  # faust's store takes (and pops from) this dict
    )
    app.tables.add(cases)
    cache = _StateCache(STATE_CACHE_SIZE)
    states_topic = settings.topic_states
    stats = {
        "applied": 0,
        "unchanged": 0,
        "dead_lettered": 0,
        "alerts": 0,
        "batches": 0,
        "write_retries": 0,
        "batch_errors": 0,
        "redelivered": 0,
        "not_ours": 0,
        "gap": 0,
        "seeks": 0,
        "commits": 0,
    }
    ledger: OffsetLedger[Any] = OffsetLedger()
    idle = asyncio.Event()
    idle.set()
    seek_at: dict[Any, float] = {}

    async def starting_positions(tps: set[Any]) -> dict[Any, int]:
        """The group's committed offset of each partition (the log start when there is none)."""
        committed = await committed_offsets(settings, app_id, settings.topic_events)
        earliest = await app.consumer.earliest_offsets(*tps)
        return {tp: max(committed.get(tp.partition, 0), earliest.get(tp) or 0) for tp in tps}

    async def changelog_positions(
        tps: set[Any],
    ) -> tuple[dict[int, int | None], dict[int, int | str]]:
        """For the log: the table's persisted changelog offset and the changelog's end, per partition."""
        changelog = {TP(states_topic, tp.partition) for tp in tps}
        persisted = {tp.partition: cases.data.persisted_offset(tp) for tp in sorted(changelog)}
        try:
            ends = {
                tp.partition: o
                for tp, o in sorted((await app.consumer.highwaters(*changelog)).items())
            }
        except (TimeoutError, KafkaError, OSError) as exc:
            ends = {tp.partition: repr(exc) for tp in changelog}
        return persisted, ends

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]  # mode types receivers loosely
    async def _assigned(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        assigned: set[Any] = args[0]
        mine = {tp for tp in assigned if tp.topic == settings.topic_events}
        if not mine:
            return
        delay = 0.5
        while True:
            try:
                positions = await starting_positions(mine)
                break
            except (
                TimeoutError,
                KafkaError,
                OSError,
            ) as exc:  # the records wait; nothing is folded meanwhile
                log.error("reading committed offsets failed (%r); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        ledger.assign(positions)
        log.info(
            "partitions assigned, folding from %s; table persisted at %s, changelog ends at %s",
            {tp.partition: o for tp, o in sorted(positions.items())},
            *await changelog_positions(mine),
        )

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def _revoked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        revoked: set[Any] = args[0]
        mine = {tp for tp in revoked if tp.topic == settings.topic_events}
        if not mine:
            return
        # finish the batch in flight (its outputs and its commit) before the partitions go:
        # the next owner must not fold beside us
        limit = app.conf.broker_session_timeout * 0.5
        try:
            await asyncio.wait_for(idle.wait(), limit)
        except TimeoutError:
            log.error("a batch still running after %.0fs while partitions are revoked", limit)
        log.info(
            "partitions revoked at (admitted, durable, committed) %s",
            {tp.partition: ledger.position(tp) for tp in sorted(mine)},
        )
        ledger.revoke(mine)

    async def commit() -> None:
        """Commit what the ledger says is folded and durable (faust's low-level commit: its acks are off)."""
        offsets = ledger.to_commit()
        if not offsets:
            return
        try:
            consumer: Any = (
                app.consumer
            )  # faust's own commit below its (switched off) ack bookkeeping
            done = await consumer._commit(offsets)
        except (TimeoutError, KafkaError, OSError) as exc:
            log.warning("commit of %s failed (%r); the records will be folded again", offsets, exc)
            return
        if done:
            ledger.committed(offsets)
            stats["commits"] += 1

    def table_state(case_id: str) -> CaseState | None:
        raw = cases.get(case_id.encode())
        return None if raw is None else cache.get(case_id, raw)

    async def handle_batch(batch: Sequence[Any], *, rewrite: bool = False) -> None:
        """Fold a batch; write alerts + dead letters (acked), then table, then snapshots (acked).

        Safe to call again with the same batch after a failure (the ledger is
        rolled back first): nothing is written to the table before every alert
        of the batch is acknowledged, and a repeated alert has the same id.
        ``rewrite`` writes the table entry and snapshot of every case the batch
        touches even when unchanged, because the failed attempt may have
        changed the table without its changelog record or snapshot reaching Kafka.
        """
        overlay: dict[str, CaseState] = {}  # states changed earlier in this batch
        last_event: dict[str, Any] = {}
        sends: list[Any] = []
        counts = {
            "applied": 0,
            "unchanged": 0,
            "dead_lettered": 0,
            "alerts": 0,
            "redelivered": 0,
            "not_ours": 0,
            "gap": 0,
        }

        def load_state(case_id: str) -> CaseState | None:
            return overlay[case_id] if case_id in overlay else table_state(case_id)

        now = dt.datetime.now(dt.UTC)
        producer: Any = app.producer
        for event in batch:
            # faust's RocksDB store reads and writes the partition of the *current*
            # event; in a batch that must be set per event, or a read looks in the
            # wrong partition's database.
            _current_event.set(weakref.ref(event))
            message = event.message
            verdict = ledger.admit(message.tp, message.offset)
            if verdict is not Verdict.FOLD:
                counts[verdict.value] += 1
                continue
            ref = RecordRef(message.topic, message.partition, message.offset)
            try:
                out = handle_record(message.key, message.value, ref, load_state)
            except Exception as exc:  # a bug in our code must not lose the record: dead-letter it
                log.exception("internal error on %s", ref)
                dl = DeadLetter(
                    "internal_error",
                    f"{type(exc).__name__}: {exc}",
                    ref,
                    message.key,
                    message.value,
                )
                out = Outcome(dead_letter=dl)
            if out.dead_letter is not None:
                dl = out.dead_letter
                log.warning("dead-lettered %s: %s (%s)", ref, dl.reason, dl.error)
                sends.append(
                    await producer.send(
                        dlq.get_topic_name(), dl.key, dl.to_json(now), None, None, None
                    )
                )
                counts["dead_lettered"] += 1
            elif out.state is None:
                counts["unchanged"] += 1
                if rewrite and out.case_id is not None:
                    last_event[out.case_id] = event
            else:
                assert out.case_id is not None
                key = out.case_id.encode()
                for alert in out.alerts:
                    sends.append(
                        await producer.send(
                            alerts.get_topic_name(), key, encode(alert), None, None, None
                        )
                    )
                overlay[out.case_id] = out.state
                last_event[out.case_id] = event
                counts["applied"] += 1
                counts["alerts"] += len(out.alerts)
        if sends:
            await asyncio.gather(*sends)  # every alert and dead letter acknowledged
        store = cases.data
        changelog: list[Any] = []
        written: list[tuple[bytes, bytes, Any]] = []
        for case_id, event in last_event.items():
            key = case_id.encode()
            # faust's store reads the database of the current event's partition: point it at this key's event
            _current_event.set(weakref.ref(event))
            if case_id in overlay:
                state = overlay[case_id]
                raw = encode(state)
                cache.put(case_id, raw, state)
            else:  # rewrite: unchanged, but its last write may not have reached Kafka
                current = cases.get(key)
                if current is None:
                    continue
                raw = current
            # the changelog record (= the snapshot on case.states), in the event's partition
            changelog.append(
                await producer.send(states_topic, key, raw, event.message.partition, None, None)
            )
            written.append((key, raw, event))
        persisted: dict[int, int] = {}
        for meta in await asyncio.gather(*changelog):  # the snapshots on case.states acknowledged
            persisted[meta.partition] = max(meta.offset, persisted.get(meta.partition, -1))
        # Only then the store: a worker killed before this point restores these states from the
        # changelog (it has them); had the store been written first, a kill before the
        # acknowledgement would leave a state in RocksDB that case.states never got, and the
        # record, folded again, would change nothing and never send it.
        for key, raw, event in written:
            _current_event.set(weakref.ref(event))  # the store writes the current event's partition
            store[key] = raw
        for partition, offset in persisted.items():
            # as faust's changelog callback does: recovery after a restart reads on from here
            store.set_persisted_offset(TP(states_topic, partition), offset)
        ledger.durable()
        for k, v in counts.items():
            stats[k] += v
            EVENTS_PROCESSED.labels(k).inc(v)
        stats["batches"] += 1

    seeking = asyncio.Lock()

    async def seek_back() -> None:
        """Rewind partitions whose records did not all reach the agent (see the ledger)."""
        async with seeking:
            await _seek_back()

    async def _seek_back() -> None:
        now = time.monotonic()
        for tp in ledger.pending_seeks():
            if now - seek_at.get(tp, 0.0) > SEEK_RETRY_S:
                ledger.retry_seek(tp)
        seeks = ledger.seeks()
        if not seeks:
            return
        for tp, offset in seeks.items():
            log.warning(
                "records of %s before the one received never reached the agent: seeking back to %d",
                tp,
                offset,
            )
            seek_at[tp] = now
            stats["seeks"] += 1
        # seek_wait runs in the consumer's thread (faust's ``seek`` calls aiokafka from this
        # thread, which can leave the fetcher waiting forever)
        await app.consumer.seek_wait(seeks)

    gc_clock = {"last_batch_end": time.monotonic(), "last_full": time.monotonic(), "batches": 0}

    @app.timer(FULL_GC_CHECK_S)  # type: ignore[untyped-decorator]
    async def collect_garbage() -> None:
        """The full collections Python no longer starts by itself (``GC_THRESHOLDS``)."""
        now = time.monotonic()
        if full_collection_due(
            now,
            gc_clock["last_batch_end"],
            gc_clock["last_full"],
            int(gc_clock["batches"]),
            not idle.is_set(),
        ):
            started = time.perf_counter()
            gc.collect()
            gc_clock["last_full"], gc_clock["batches"] = time.monotonic(), 0
            log.info("full garbage collection in %.0f ms", (time.perf_counter() - started) * 1000)

    @app.timer(SEEK_RETRY_S)  # type: ignore[untyped-decorator]
    async def repeat_seeks() -> None:
        """Repeat a seek that brought nothing, also when no records arrive to trigger it."""
        if idle.is_set() and ledger.pending_seeks():
            await seek_back()

    @app.agent(events, name="fold-cases")
    async def fold_cases(stream: Any) -> Any:
        async for batch in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            # Nothing may escape this loop: faust acks a batch whose agent raised.
            idle.clear()
            try:
                await fold_batch(batch, handle_batch, ledger, stats)
                await commit()
                await seek_back()
            finally:
                idle.set()
                gc_clock["last_batch_end"] = time.monotonic()
                gc_clock["batches"] += 1
            yield len(batch)

    return Processor(app=app, settings=settings, stats=stats)
