"""The faust wiring: topics, the ``case-memory`` table and one thin agent.

The agent decodes nothing itself: :func:`services.processor.batch.fold_events`
(record by record :func:`services.processor.step.handle_record`) does the work,
and :class:`Processor` names the steps (consume, fold, write, commit). Whatever
goes below faust's public API goes through :mod:`services.processor.faust_compat`.

Events are taken in batches (``stream.take_events``); for each batch the
agent writes, in this order:

1. alerts to ``case.alerts`` and dead letters to ``docket.events.dlq`` — all
   awaited until the broker acknowledges them (one round trip per batch);
2. the new memory of each changed case (the fold's private state,
   ``schemas.codec.encode_memory``) to the ``case-memory`` table (RocksDB),
   whose changelog is the private, compacted ``processor.case-memory`` topic,
   and its public snapshot (``CaseSnapshot``, no entry list) to the compacted
   ``case.states`` that every reader consumes. Both records are awaited
   first and the RocksDB store is written after them, so the store never
   holds a memory the changelog lacks nor one whose snapshot was not
   published (then the offsets are committed).

Every output goes straight to faust's producer (``faust_compat.send``, the
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
given up, commits, and starts again from the group's committed offsets; records
of a newly assigned partition wait until those offsets are read (``Processor.hold``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import hashlib
import logging
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import faust
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faust.exceptions import ProducerSendError
from faust.types import TP

from schemas.codec import decode_memory, encode_outputs
from schemas.projection import CaseState
from services.kafka import clients
from services.kafka.admin import committed_offsets
from services.kafka.topics import MAX_MESSAGE_BYTES, MAX_OUTPUT_BYTES, OUTPUT_COMPRESSION
from services.processor import faust_compat, metrics
from services.processor.batch import FoldedBatch, fold_events
from services.processor.offsets import OffsetLedger
from services.settings import Settings

log = logging.getLogger("docketline.processor")

TABLE = "case-memory"
"""The table of the fold's memory (its files: ``DATA_DIR/processor/v*/tables/case-memory-*``)."""
STATE_CACHE_SIZE = 10_000
BATCH_MAX = 500
BATCH_WITHIN_S = 0.05
PRODUCER_BATCH_BYTES = 1 << 20
PRODUCER_LINGER_S = 0.005
LAG_REFRESH_S = 1.0
SEEK_RETRY_S = 2.0
"""A seek back that has not brought the missing record after this long is repeated.

It can fail: records fetched before the seek and still on their way to the
agent advance faust's read offset past the seek target, and faust then drops
the re-fetched records as already read. Once those stale records are through,
a repeated seek succeeds.
"""
POSITIONS_RECHECK_S = 1.0
"""How often a held batch looks again whether its partitions are still assigned (``hold``)."""
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


class BatchHandler(Protocol):
    async def __call__(self, batch: Sequence[Any], *, rewrite: bool = False) -> None: ...


async def fold_batch(
    batch: Sequence[Any],
    handle: BatchHandler,
    ledger: OffsetLedger[Any],
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
            metrics.BATCH_FAILURES.labels(type(exc).__name__).inc()
            ledger.rollback()
        except Exception as exc:  # a bug: the same rollback, and the traceback
            log.exception("a batch failed; retrying it in %.1fs", delay)
            metrics.BATCH_FAILURES.labels(type(exc).__name__).inc()
            ledger.rollback()
        except BaseException:
            ledger.rollback()
            raise
        rewrite = True
        await sleep(delay)
        delay = min(delay * 2, 30.0)


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
        state = decode_memory(raw)
        self.put(case_id, raw, state)
        return state

    def put(self, case_id: str, raw: bytes, state: CaseState) -> None:
        self._items[case_id] = (raw, state)
        self._items.move_to_end(case_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


def group_instance_id(settings: Settings, host: str | None = None) -> str:
    """The worker's static member id: ``DOCKETLINE_PROCESSOR_INSTANCE_ID``, or host + data dir.

    Stable across restarts of the same worker (same host, same data dir) and
    different for two workers on one host (each needs its own data dir for its
    RocksDB copy of the table), so a restarted worker takes its own place in the
    group back instead of waiting out the session of the one it replaces.
    """
    if settings.processor_instance_id:
        return settings.processor_instance_id
    digest = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:10]
    return f"{host or socket.gethostname()}-{digest}"


class NeedsMigrationError(Exception):
    """``case.states`` was written by a processor before the private memory: rebuild first."""


async def refuse_unmigrated(settings: Settings) -> None:
    """Raise :class:`NeedsMigrationError` when ``case.states`` has records but the memory has none.

    A worker of this version recovers its table from ``processor.case-memory``;
    the processor before it (``case.states`` v1) never wrote that topic. Started
    on such a deployment, the worker would fold new entries onto empty
    memories: cases reduced to their newest entries and wrong alerts. A
    deployment of this version always writes a case's memory before its
    snapshot, so snapshots without any memory mean an old log. The fix is one
    ``docketline rebuild`` (README, "Migrating a deployment").
    """
    from services.kafka.read import topic_extent

    extent = await topic_extent(settings, [settings.topic_states, settings.topic_memory])

    def records(topic: str) -> int:
        return sum(end for _, end in extent.get(topic, {}).values())

    if records(settings.topic_states) and not records(settings.topic_memory):
        raise NeedsMigrationError(
            f"{settings.topic_states} holds case states of a processor before the private memory "
            f"and {settings.topic_memory} is empty: stop every old worker and run "
            "`docketline rebuild` once before starting workers of this version "
            "(README, 'Migrating a deployment')"
        )


def leave_group_after_clean_stop(settings: Settings, *, timeout: float = 10.0) -> None:
    """Take this worker's static membership out of the group now (a clean stop, not a crash).

    A static member stays in the group until its session times out, so without
    this a stopped worker kept ``docketline rebuild`` refusing (and its
    partitions unassigned) for the whole session. A killed or crashed worker never
    gets here: it keeps its place for the fast restart static membership is for.
    Failing to leave is logged, never an error of the stop.
    """
    group = f"{settings.topic_prefix}{settings.processor_app_id}"
    instance = group_instance_id(settings)

    async def leave() -> int:
        admin = clients.admin(settings)
        await admin.start()
        try:
            return await faust_compat.leave_group_as_static_member(admin, group, instance)
        finally:
            await admin.close()

    try:
        code = asyncio.run(asyncio.wait_for(leave(), timeout))
    except (TimeoutError, KafkaError, OSError) as exc:
        log.warning(
            "could not leave group %s as %s (%r): it stays a member until its session ends",
            group,
            instance,
            exc,
        )
        return
    if code in (0, 25):  # removed, or not a member (any more)
        log.info("left group %s as static member %s", group, instance)
    else:
        log.warning("leaving group %s as %s: Kafka error code %d", group, instance, code)


def _make_app(settings: Settings, web_port: int | None) -> faust.App:
    """The faust app for ``settings`` (its consumer group is the app id)."""
    return clients.faust_app(
        settings,
        f"{settings.topic_prefix}{settings.processor_app_id}",
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
        # static membership: a worker that restarts within the session resumes its
        # partitions without a rebalance (docs/operations.md, "Restarts and static membership")
        consumer_group_instance_id=group_instance_id(settings),
        broker_session_timeout=settings.processor_session_timeout_s,
        broker_heartbeat_interval=settings.processor_heartbeat_interval_s,
        producer_max_request_size=MAX_OUTPUT_BYTES,  # uncompressed; the broker checks the compressed batch
        producer_compression_type=OUTPUT_COMPRESSION,
        # A batch's outputs are awaited together, so let the producer pack them: with faust's
        # 16 KB batches and no linger, every few ~7 KB states made a produce request of their
        # own (socket writes were a quarter of the worker's CPU). bench/README.md has the A/B.
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        producer_linger=PRODUCER_LINGER_S,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
    )


@dataclass
class Topics:
    events: faust.TopicT
    states: faust.TopicT
    memory: faust.TopicT
    """The table's private changelog."""
    alerts: faust.TopicT
    dlq: faust.TopicT


def _topics(app: faust.App, settings: Settings) -> Topics:
    def raw(name: str, **kwargs: Any) -> faust.TopicT:
        return app.topic(
            name,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            **kwargs,
        )

    return Topics(
        # acks off: faust never commits these offsets, the processor does (module docstring)
        events=raw(settings.topic_events, acks=False),
        states=raw(settings.topic_states, compacting=True),
        memory=raw(settings.topic_memory, compacting=True),
        alerts=raw(settings.topic_alerts),
        dlq=raw(settings.topic_dlq),
    )


def _table(
    app: faust.App, settings: Settings, changelog: faust.TopicT
) -> faust.Table[bytes, bytes]:
    cases: faust.Table[bytes, bytes] = faust.Table(
        app,
        name=TABLE,
        default=None,
        beacon=app.tables.beacon,
        key_type=bytes,  # bytes -> the "raw" serializer: we encode the memory ourselves
        value_type=bytes,
        partitions=settings.partitions,
        # a private changelog (compacted, keyed by case id, the same partitioning as
        # docket.events): readers consume the slim snapshots on case.states instead, so
        # the memory's encoding can change without breaking them
        changelog_topic=changelog,
        options=dict(ROCKSDB_OPTIONS),  # faust's store takes (and pops from) this dict
    )
    app.tables.add(cases)
    return cases


class Processor:
    """The worker: a faust app whose one agent consumes batches, folds, writes and commits.

    Built from settings by :func:`build_processor`; each step is a method:
    :meth:`consume` (the agent), :meth:`fold` (pure, ``services.processor.batch``),
    :meth:`write` (outputs, then changelog, then store), :meth:`commit` (the
    ledger's durable offsets), :meth:`seek_back` (records that never arrived).
    """

    def __init__(
        self, app: faust.App, settings: Settings, topics: Topics, table: faust.Table[bytes, bytes]
    ) -> None:
        self.app = app
        self.settings = settings
        self.topics = topics
        self.table = table
        self.ledger: OffsetLedger[Any] = OffsetLedger()
        self.cache = _StateCache(STATE_CACHE_SIZE)
        self.idle = asyncio.Event()
        self.idle.set()
        self._seeking = asyncio.Lock()
        self._positions_changed = asyncio.Event()
        self._seek_at: dict[Any, float] = {}
        self._gc = {
            "last_batch_end": time.monotonic(),
            "last_full": time.monotonic(),
            "batches": 0.0,
        }

    @property
    def group(self) -> str:
        return str(self.app.conf.id)

    # -- wiring ---------------------------------------------------------------------------------
    def wire(self) -> None:
        """Register the agent, the timers and the rebalance callbacks with the app."""
        app = self.app
        app.on_partitions_assigned.connect(self._assigned)  # type: ignore[arg-type]  # mode types receivers loosely
        app.on_partitions_revoked.connect(self._revoked)  # type: ignore[arg-type]
        app.timer(FULL_GC_CHECK_S)(self.collect_garbage)
        app.timer(SEEK_RETRY_S)(self.repeat_seeks)
        app.timer(LAG_REFRESH_S)(self.refresh_lag)
        app.agent(self.topics.events, name="fold-cases")(self.consume)

    def serve_metrics(self) -> bool:
        """Serve the worker's Prometheus metrics on ``DOCKETLINE_PROCESSOR_METRICS_PORT``."""
        return metrics.serve(self.settings.api_host, self.settings.processor_metrics_port)

    # -- the agent ------------------------------------------------------------------------------
    async def consume(self, stream: Any) -> Any:
        """The agent: batches of events, each folded, written and committed before the next."""
        async for batch in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            # Nothing may escape this loop: faust acks a batch whose agent raised.
            await self.hold(batch)  # idle meanwhile: a revocation need not wait for it
            self.idle.clear()
            try:
                metrics.BATCHES.observe(len(batch))
                await fold_batch(batch, self.handle_batch, self.ledger)
                await self.commit()
                await self.seek_back()
            finally:
                self.idle.set()
                self._gc["last_batch_end"] = time.monotonic()
                self._gc["batches"] += 1
            yield len(batch)

    async def handle_batch(self, batch: Sequence[Any], *, rewrite: bool = False) -> None:
        """Fold a batch and write its outputs; safe to call again with the same batch.

        After a failure the ledger is rolled back first: nothing is written to the
        table before every alert of the batch is acknowledged, and a repeated alert
        has the same id. ``rewrite`` writes the table entry and snapshot of every
        case the batch touches even when unchanged, because the failed attempt may
        have changed the table without its changelog record reaching Kafka.
        """
        started = time.perf_counter()
        folded = self.fold(batch, rewrite=rewrite)
        metrics.FOLD_SECONDS.observe(time.perf_counter() - started)
        started = time.perf_counter()
        await self.write(folded)
        metrics.WRITE_SECONDS.observe(time.perf_counter() - started)
        for outcome, n in folded.outcomes.items():
            metrics.EVENTS.labels(outcome).inc(n)
        metrics.ALERTS.inc(len(folded.alerts))
        for dl in folded.dead_letters:
            metrics.DEAD_LETTERS.labels(dl.reason).inc()
        self.refresh_lag_now()

    async def hold(self, batch: Sequence[Any]) -> None:
        """Wait while a partition of ``batch`` is assigned but its position is not read yet.

        faust may deliver records before ``_assigned`` has put their partitions in the
        ledger (it fetches without waiting for that receiver: faust_compat item 7), and
        the ledger skips records of partitions it does not know as not ours. faust's read
        position had then moved past them, and with no later record to show the gap
        (a backlog read in one batch) they were never folded: the SASL_SSL end-to-end
        test lost its 2 events in most runs, the admin connection of ``_assigned`` (TLS
        and SCRAM) taking longer there than faust's recovery. A partition revoked in the
        meantime is no longer assigned: its records are skipped as before.
        """
        held = False
        while True:
            assigned = faust_compat.assigned_partitions(self.app)
            waiting = ({e.message.tp for e in batch} & assigned) - self.ledger.partitions()
            if not waiting:
                return
            if not held:
                held = True
                log.info(
                    "holding %d records until the positions of %s are read",
                    len(batch),
                    sorted(tp.partition for tp in waiting),
                )
            self._positions_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._positions_changed.wait(), POSITIONS_RECHECK_S)

    def fold(self, batch: Sequence[Any], *, rewrite: bool = False) -> FoldedBatch[Any]:
        """The pure fold of the batch (``services.processor.batch``), reading the table."""
        return fold_events(
            batch,
            self.ledger,
            self.table_state,
            rewrite=rewrite,
            # faust's RocksDB store reads the partition of the *current* event
            enter=faust_compat.enter_event,
        )

    def table_state(self, case_id: str) -> CaseState | None:
        raw = self.table.get(case_id.encode())
        return None if raw is None else self.cache.get(case_id, raw)

    async def write(self, folded: FoldedBatch[Any]) -> None:
        """Write a folded batch: alerts + dead letters (acked), then changelog (acked), then store.

        Alerts first: if the worker dies after them and before the states, the
        events are folded again and the same alerts (same ids) sent again. The
        store only after its changelog records are acknowledged: a worker killed
        before that restores these states from the changelog; had the store been
        written first, a kill before the acknowledgement would leave a state in
        RocksDB that case.states never got, and the record, folded again, would
        change nothing and never send it.
        """
        app, topics = self.app, self.topics
        now = dt.datetime.now(dt.UTC)
        sends = [
            await faust_compat.send(app, topics.dlq.get_topic_name(), dl.key, dl.to_json(now))
            for dl in folded.dead_letters
        ]
        alerts_topic = topics.alerts.get_topic_name()
        sends += [
            await faust_compat.send(app, alerts_topic, a.key, a.value, headers=a.headers)
            for a in folded.alerts
        ]
        if sends:
            await asyncio.gather(*sends)  # every alert and dead letter acknowledged
        states_topic, memory_topic = self.settings.topic_states, self.settings.topic_memory
        changelog: list[Any] = []
        snapshots: list[Any] = []
        written: list[tuple[bytes, bytes, Any]] = []
        for case_id, event in folded.last_event.items():
            key = case_id.encode()
            if case_id in folded.states:
                state = folded.states[case_id]
                raw, public = encode_outputs(state)
                self.cache.put(case_id, raw, state)
            else:  # rewrite: unchanged, but its last write may not have reached Kafka
                faust_compat.enter_event(event)  # the store reads the event's partition
                current = self.table.get(key)
                if current is None:
                    continue
                raw = current
                public = encode_outputs(self.cache.get(case_id, raw))[1]
            # the changelog record and the snapshot, in the event's partition
            partition = event.message.partition
            changelog.append(await faust_compat.send(app, memory_topic, key, raw, partition))
            snapshots.append(await faust_compat.send(app, states_topic, key, public, partition))
            written.append((key, raw, event))
        persisted: dict[int, int] = {}
        for meta in await asyncio.gather(*changelog):  # the memories on the changelog acknowledged
            persisted[meta.partition] = max(meta.offset, persisted.get(meta.partition, -1))
        await asyncio.gather(*snapshots)  # and the snapshots on case.states
        for key, raw, event in written:
            faust_compat.write_store(self.table, key, raw, event)
        for partition, offset in persisted.items():
            # as faust's changelog callback does: recovery after a restart reads on from here
            faust_compat.record_changelog_offset(self.table, TP(memory_topic, partition), offset)
        self.ledger.durable()

    async def commit(self) -> None:
        """Commit what the ledger says is folded and durable (faust's own acks are off)."""
        offsets = self.ledger.to_commit()
        if not offsets:
            return
        started = time.perf_counter()
        try:
            done = await faust_compat.commit_offsets(self.app, offsets)
        except (TimeoutError, KafkaError, OSError) as exc:
            log.warning("commit of %s failed (%r); the records will be folded again", offsets, exc)
            metrics.COMMITS.labels("failed").inc()
            return
        metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        if done:
            self.ledger.committed(offsets)
            metrics.COMMITS.labels("ok").inc()
            for tp, offset in offsets.items():
                metrics.COMMITTED.labels(str(tp.partition)).set(offset)
        else:
            metrics.COMMITS.labels("refused").inc()

    async def seek_back(self) -> None:
        """Rewind partitions whose records did not all reach the agent (see the ledger)."""
        async with self._seeking:
            now = time.monotonic()
            for tp in self.ledger.pending_seeks():
                if now - self._seek_at.get(tp, 0.0) > SEEK_RETRY_S:
                    self.ledger.retry_seek(tp)
            seeks = self.ledger.seeks()
            if not seeks:
                return
            for tp, offset in seeks.items():
                log.warning(
                    "records of %s before the one received never reached the agent: seeking back to %d",
                    tp,
                    offset,
                )
                self._seek_at[tp] = now
                metrics.SEEKS.inc()
            await faust_compat.seek(self.app, seeks)

    # -- rebalances -----------------------------------------------------------------------------
    async def starting_positions(self, tps: set[Any]) -> dict[Any, int]:
        """The group's committed offset of each partition (the log start when there is none)."""
        s = self.settings
        committed = await committed_offsets(s, self.group, s.topic_events)
        earliest = await self.app.consumer.earliest_offsets(*tps)
        return {tp: max(committed.get(tp.partition, 0), earliest.get(tp) or 0) for tp in tps}

    async def changelog_positions(
        self, tps: set[Any]
    ) -> tuple[dict[int, int | None], dict[int, int | str]]:
        """For the log: the table's persisted changelog offset and the changelog's end, per partition."""
        changelog = {TP(self.settings.topic_memory, tp.partition) for tp in tps}
        persisted = {
            tp.partition: faust_compat.changelog_offset(self.table, tp) for tp in sorted(changelog)
        }
        try:
            highwaters = await self.app.consumer.highwaters(*changelog)
            ends: dict[int, int | str] = {tp.partition: o for tp, o in sorted(highwaters.items())}
        except (TimeoutError, KafkaError, OSError) as exc:
            ends = {tp.partition: repr(exc) for tp in changelog}
        return persisted, ends

    async def _assigned(self, sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        mine = {tp for tp in args[0] if tp.topic == self.settings.topic_events}
        if not mine:
            return
        delay = 0.5
        while True:
            try:
                positions = await self.starting_positions(mine)
                break
            except (
                TimeoutError,
                KafkaError,
                OSError,
            ) as exc:  # the records wait; nothing is folded
                log.error("reading committed offsets failed (%r); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        self.ledger.assign(positions)
        self._positions_changed.set()  # a batch held for these partitions goes on (``hold``)
        for tp, offset in positions.items():
            metrics.COMMITTED.labels(str(tp.partition)).set(offset)
        metrics.ASSIGNED.set(len(self.ledger.partitions()))
        log.info(
            "partitions assigned, folding from %s; table persisted at %s, changelog ends at %s",
            {tp.partition: o for tp, o in sorted(positions.items())},
            *await self.changelog_positions(mine),
        )

    async def _revoked(self, sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        mine = {tp for tp in args[0] if tp.topic == self.settings.topic_events}
        if not mine:
            return
        # finish the batch in flight (its outputs and its commit) before the partitions go:
        # the next owner must not fold beside us
        limit = self.app.conf.broker_session_timeout * 0.5
        try:
            await asyncio.wait_for(self.idle.wait(), limit)
        except TimeoutError:
            log.error("a batch still running after %.0fs while partitions are revoked", limit)
        log.info(
            "partitions revoked at (admitted, durable, committed) %s",
            {tp.partition: self.ledger.position(tp) for tp in sorted(mine)},
        )
        self.ledger.revoke(mine)
        self._positions_changed.set()
        for tp in mine:
            for gauge in (metrics.LAG, metrics.COMMITTED):
                with contextlib.suppress(KeyError):
                    gauge.remove(str(tp.partition))
        metrics.ASSIGNED.set(len(self.ledger.partitions()))

    # -- timers ---------------------------------------------------------------------------------
    async def collect_garbage(self) -> None:
        """The full collections Python no longer starts by itself (``GC_THRESHOLDS``)."""
        now = time.monotonic()
        g = self._gc
        if full_collection_due(
            now, g["last_batch_end"], g["last_full"], int(g["batches"]), not self.idle.is_set()
        ):
            started = time.perf_counter()
            gc.collect()
            g["last_full"], g["batches"] = time.monotonic(), 0
            log.info("full garbage collection in %.0f ms", (time.perf_counter() - started) * 1000)

    async def repeat_seeks(self) -> None:
        """Repeat a seek that brought nothing, also when no records arrive to trigger it."""
        if self.idle.is_set() and self.ledger.pending_seeks():
            await self.seek_back()

    async def refresh_lag(self) -> None:
        """Keep the lag gauges current when no batch arrives (an idle worker's lag is 0)."""
        self.refresh_lag_now()

    def refresh_lag_now(self) -> None:
        for tp in self.ledger.partitions():
            end = faust_compat.highwater(self.app, tp)
            position = self.ledger.position(tp)
            if end is not None and position is not None:
                metrics.LAG.labels(str(tp.partition)).set(max(0, end - position[1]))


def build_processor(settings: Settings, *, web_port: int | None = None) -> Processor:
    """Build the faust app for ``settings``; no connection is made until it runs."""
    faust_compat.install_fetch_max_wait(FETCH_MAX_WAIT_MS)
    app = _make_app(settings, web_port)
    topics = _topics(app, settings)
    processor = Processor(app, settings, topics, _table(app, settings, topics.memory))
    processor.wire()
    return processor
