"""Feeds the read model from the processor's output topics.

One aiokafka consumer, **no consumer group**: the feeder assigns itself every
partition of ``case.states``, ``docket.events`` and ``case.alerts`` and
resumes each at the offset the read model stored with its rows (or the
beginning), so the read model is exactly-once with respect to the log without
relying on Kafka offset commits. Batches from ``getmany`` are decoded and
applied in one store transaction (rows + offsets).

It must never take the API down:

* a record that does not decode, or that the store cannot hold (``RowError``,
  or any failure that is not the store's or the broker's), is **quarantined**
  (:mod:`services.quarantine`: topic, partition, offset, key, raw bytes and
  reason, kept before the offset moves past it), counted and logged, and the
  feed goes on: one record can never wedge it. A batch that fails to apply is
  applied again record by record, so only the record at fault is kept aside;
* a broker that is away, a topic that does not exist yet, or a store error
  ends the current session; the loop waits (exponential backoff) and starts a
  new one from the stored offsets — nothing is lost or applied twice.

Lag ("how far behind the log") is, per topic, the sum over partitions of end
offset minus stored offset, refreshed about every second. At the same moment
the feeder notices a new store generation (``docketline rebuild`` reset the
read model, maybe from another process) and re-reads the log; a batch read
before the reset is refused by the store, never mixed into the new generation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aiokafka import TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from schemas.alerts import Alert
from schemas.codec import CodecError, decode_alert, decode_event, decode_snapshot
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot
from services.kafka import clients
from services.kafka.records import RecordLike
from services.quarantine import Quarantine, Quarantined, QuarantineError, reason_of
from services.readmodel.store import (
    Batch,
    Position,
    ReadModel,
    ReadModelError,
    RowError,
    StaleBatchError,
)
from services.settings import Settings

log = logging.getLogger(__name__)

TopicKind = Literal["states", "events", "alerts"]


class FeederError(Exception):
    """Base of the feeder's errors."""


class FeederTimeout(FeederError):
    """The feeder did not catch up with the log in time (the message says how far it got)."""


class ReadModelReset(FeederError):
    """The store was reset (a rebuild, maybe by another process): start over from its offsets."""


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """A record the feeder could not use (it did not decode, or the store could not hold it)."""

    topic: str
    partition: int
    offset: int
    reason: str
    key: bytes | None = None
    value: bytes | None = None

    def quarantined(self) -> Quarantined:
        return Quarantined(
            "readmodel", self.topic, self.partition, self.offset, self.key, self.value, self.reason
        )


@dataclass(frozen=True, slots=True)
class Decoded:
    """A batch ready for the store, with what it counts per topic."""

    batch: Batch
    applied: Mapping[str, int]
    failures: tuple[DecodeFailure, ...]


def decode_records(records: Iterable[RecordLike], kinds: Mapping[str, TopicKind]) -> Decoded:
    """Decode raw records (log order within each partition) into one store batch. Pure.

    ``case.states`` records with no value are tombstones (the case is deleted).
    Offsets advance past every record, decoded or not.
    """
    cases: list[tuple[str, CaseSnapshot | None]] = []
    events: list[DocketEvent] = []
    alerts: list[Alert] = []
    offsets: dict[Position, int] = {}
    applied: dict[str, int] = {}
    failures: list[DecodeFailure] = []
    for rec in records:
        pos = (rec.topic, rec.partition)
        offsets[pos] = max(offsets.get(pos, 0), rec.offset + 1)
        kind = kinds.get(rec.topic)
        try:
            if kind is None:
                raise CodecError(f"not a topic the read model reads: {rec.topic!r}")
            if kind == "states":
                if rec.value is None:
                    if not rec.key:
                        raise CodecError("tombstone without a key")
                    cases.append((rec.key.decode("utf-8"), None))
                else:
                    state = decode_snapshot(rec.value)
                    cases.append((state.case_id, state))
            elif rec.value is None:
                raise CodecError("record has no value")
            elif kind == "events":
                events.append(decode_event(rec.value))
            else:
                alerts.append(decode_alert(rec.value))
        except CodecError as exc:
            failures.append(
                DecodeFailure(rec.topic, rec.partition, rec.offset, str(exc), rec.key, rec.value)
            )
            continue
        except Exception as exc:  # noqa: BLE001 - decoding is pure: whatever it raises, the record caused
            failures.append(
                DecodeFailure(
                    rec.topic, rec.partition, rec.offset, reason_of(exc), rec.key, rec.value
                )
            )
            continue
        applied[rec.topic] = applied.get(rec.topic, 0) + 1
    return Decoded(
        batch=Batch(
            cases=tuple(cases), events=tuple(events), alerts=tuple(alerts), offsets=offsets
        ),
        applied=applied,
        failures=tuple(failures),
    )


@dataclass(frozen=True, slots=True)
class FeederStatus:
    """A snapshot for ``/healthz`` and ``/metrics``."""

    running: bool
    broker_reachable: bool | None
    """None until the first attempt to reach the broker has finished."""
    last_error: str | None
    topics: tuple[str, ...]
    partitions: Mapping[str, int]
    """Partitions assigned per topic (0 = the topic does not exist yet)."""
    applied: Mapping[str, int]
    decode_failures: Mapping[str, int]
    """Records quarantined per topic by this feeder (undecodable or not storable)."""
    lag: Mapping[str, int | None]
    """Records behind the log per topic; None while unknown."""
    recent_failures: tuple[DecodeFailure, ...]
    caught_up: bool
    """The last lag check found every topic applied: caught up with the log as it was at ``lag_checked_at``."""
    lag_checked_at: float | None = None
    """Wall-clock time (epoch seconds) just before the last lag check read the log's end offsets.

    ``lag`` and ``caught_up`` are as of then: records acknowledged later may not be
    applied yet. A reader that wrote (or saw acknowledged) at time T waits for
    ``caught_up`` with ``lag_checked_at >= T``.
    """


@dataclass
class _Counters:
    applied: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    recent: deque[DecodeFailure] = field(default_factory=lambda: deque(maxlen=20))


class Feeder:
    """Keeps a :class:`ReadModel` in step with the three output topics."""

    def __init__(
        self,
        settings: Settings,
        store: ReadModel,
        *,
        max_records: int = 1000,
        poll_ms: int = 200,
        lag_every_s: float = 1.0,
        discover_every_s: float = 5.0,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 15.0,
        request_timeout_s: float = 10.0,
        quarantine: Quarantine | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._quarantine = quarantine
        """Opened on the first session when not given (``DATA_DIR/quarantine.sqlite``)."""
        self.kinds: dict[str, TopicKind] = {
            settings.topic_states: "states",
            settings.topic_events: "events",
            settings.topic_alerts: "alerts",
        }
        self._max_records = max_records
        self._poll_ms = poll_ms
        self._lag_every = lag_every_s
        self._discover_every = discover_every_s
        self._retry = (retry_initial_s, retry_max_s)
        self._timeout = request_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._generation = 0
        self._counters = _Counters()
        self._reachable: bool | None = None
        self._last_error: str | None = None
        self._partitions: dict[str, int] = {t: 0 for t in self.kinds}
        self._ends: dict[TopicPartition, int] = {}
        self._starts: dict[TopicPartition, int] = {}
        self._stored: dict[Position, int] = {}
        self._lag_round = 0
        self._caught_up_round = -1
        self._lag_checked_at: float | None = None

    # lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        """Run in the background until :meth:`stop` (call from a running event loop)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run_forever(), name="readmodel-feeder")

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop and wait for the consumer to close.

        A stop flag backs up the cancellation: a client library that swallows
        ``CancelledError`` inside a call must not keep the feeder alive.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            log.error("read-model feeder did not stop within %.0fs; abandoning its task", timeout)
        elif not task.cancelled() and task.exception() is not None:
            log.error("read-model feeder ended with an error", exc_info=task.exception())

    async def run_forever(self) -> None:
        """Sessions until cancelled; every failure is logged, remembered and retried with backoff.

        Catching broadly is deliberate and loses nothing: a new session
        resumes from the offsets stored with the rows.
        """
        failures = 0
        while not self._stopping:
            healthy_rounds = self._lag_round
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except ReadModelReset as exc:
                log.info("read-model feeder: %s", exc)
            except Exception as exc:
                self._last_error = f"{type(exc).__name__}: {exc}"
                broker = _is_broker_error(exc)
                if broker:
                    self._reachable = False
                if self._lag_round > healthy_rounds:
                    failures = 0  # the session worked for a while: start the backoff afresh
                failures += 1
                delay = min(self._retry[1], self._retry[0] * 2 ** (failures - 1))
                log.warning(
                    "read-model feeder: %s; new session in %.1fs",
                    self._last_error,
                    delay,
                    exc_info=not broker,
                )
                await asyncio.sleep(delay)

    async def wait_caught_up(self, timeout: float) -> None:
        """Return once a lag check made after this call finds every topic fully applied."""
        deadline = time.monotonic() + timeout
        start_round = self._lag_round
        while not (self._caught_up_round > start_round):
            if time.monotonic() > deadline:
                st = self.status()
                raise FeederTimeout(
                    f"read model not caught up after {timeout:.0f}s: lag={dict(st.lag)} "
                    f"partitions={dict(st.partitions)} broker_reachable={st.broker_reachable} "
                    f"last_error={st.last_error}"
                )
            await asyncio.sleep(0.05)

    def status(self) -> FeederStatus:
        c = self._counters
        return FeederStatus(
            running=self._task is not None and not self._task.done(),
            broker_reachable=self._reachable,
            last_error=self._last_error,
            topics=tuple(self.kinds),
            partitions=dict(self._partitions),
            applied={t: c.applied.get(t, 0) for t in self.kinds},
            decode_failures={t: c.failures.get(t, 0) for t in self.kinds},
            lag=self._lag(),
            recent_failures=tuple(c.recent),
            caught_up=self._caught_up_round == self._lag_round and self._lag_round > 0,
            lag_checked_at=self._lag_checked_at,
        )

    # one session: connect, assign, read until something breaks ----------------
    async def _session(self) -> None:
        timeout_ms = int(self._timeout * 1000)
        consumer = clients.consumer(
            self.settings,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            client_id=clients.client_id(self.settings, "readmodel"),
            request_timeout_ms=timeout_ms,
        )
        admin = clients.admin(
            self.settings,
            request_timeout_ms=timeout_ms,
            client_id=clients.client_id(self.settings, "readmodel-admin"),
        )
        try:
            if self._quarantine is None:
                self._quarantine = await asyncio.to_thread(Quarantine.of, self.settings)
            await asyncio.wait_for(consumer.start(), self._timeout)
            await asyncio.wait_for(admin.start(), self._timeout)
            self._generation = await asyncio.to_thread(self.store.generation)
            self._stored = await asyncio.to_thread(self.store.offsets)
            next_discover = next_lag = 0.0
            while not self._stopping:
                if time.monotonic() >= next_discover:
                    await self._discover(consumer, admin)
                    next_discover = time.monotonic() + self._discover_every
                if consumer.assignment():
                    fetched: dict[TopicPartition, list[Any]] = await consumer.getmany(
                        timeout_ms=self._poll_ms, max_records=self._max_records
                    )
                    if fetched:
                        await self._apply(fetched)
                    else:
                        await self._sync_positions(consumer)
                else:
                    await asyncio.sleep(min(self._discover_every, 1.0))
                if time.monotonic() >= next_lag:
                    await self._refresh_lag(consumer)
                    next_lag = time.monotonic() + self._lag_every
        finally:
            for client in (consumer, admin):
                try:
                    await client.stop() if client is consumer else await client.close()
                except Exception as exc:  # noqa: BLE001 - shutting down; the cause is already reported
                    log.debug("read-model feeder: closing %s: %s", type(client).__name__, exc)

    async def _discover(self, consumer: Any, admin: Any) -> None:
        """Assign every partition of the topics that exist (never creates topics)."""
        existing = set(await asyncio.wait_for(admin.list_topics(), self._timeout))
        present = [t for t in self.kinds if t in existing]
        wanted: set[TopicPartition] = set()
        counts = {t: 0 for t in self.kinds}
        if present:
            described = await asyncio.wait_for(admin.describe_topics(present), self._timeout)
            for meta in described:
                if meta["error_code"] == 0 and meta["topic"] in self.kinds:
                    parts = [p["partition"] for p in meta["partitions"]]
                    counts[meta["topic"]] = len(parts)
                    wanted.update(TopicPartition(meta["topic"], p) for p in parts)
        self._reachable = True
        self._partitions = counts
        if wanted == set(consumer.assignment()):
            return
        missing = [t for t, n in counts.items() if n == 0]
        if missing:
            log.info("read-model feeder: waiting for topics %s", ", ".join(missing))
        consumer.assign(sorted(wanted))
        for tp in sorted(wanted):
            stored = self._stored.get((tp.topic, tp.partition))
            if stored is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, stored)

    async def _apply(self, fetched: Mapping[TopicPartition, list[Any]]) -> None:
        records = [r for records in fetched.values() for r in records]
        decoded = decode_records(records, self.kinds)
        await self._keep(decoded.failures)
        try:
            await self._store_apply(replace(decoded.batch, generation=self._generation))
        except Exception as exc:
            if not _record_fault(exc):
                raise
            log.warning(
                "read-model feeder: a batch of %d records did not apply (%s); applying them one by one",
                len(records), reason_of(exc),
            )  # fmt: skip
            await self._apply_each(records)
            return
        self._count(decoded)

    async def _apply_each(self, records: list[Any]) -> None:
        """Apply records one at a time; quarantine each that the store refuses, and go on."""
        for rec in records:
            decoded = decode_records([rec], self.kinds)
            if not decoded.failures:
                try:
                    await self._store_apply(replace(decoded.batch, generation=self._generation))
                except Exception as exc:
                    if not _record_fault(exc):
                        raise
                    failure = DecodeFailure(
                        rec.topic, rec.partition, rec.offset, reason_of(exc), rec.key, rec.value
                    )
                    await self._keep((failure,))
                    decoded = Decoded(
                        batch=Batch(offsets=decoded.batch.offsets), applied={}, failures=(failure,)
                    )
                    await self._store_apply(replace(decoded.batch, generation=self._generation))
            self._count(decoded)

    async def _keep(self, failures: Iterable[DecodeFailure]) -> None:
        """Quarantine durably, before the store's offsets move past the records."""
        kept = [f.quarantined() for f in failures]
        if kept:
            assert self._quarantine is not None  # opened when the session started
            await asyncio.to_thread(self._quarantine.add, kept)

    def _count(self, decoded: Decoded) -> None:
        self._stored.update(decoded.batch.offsets)
        c = self._counters
        for topic, n in decoded.applied.items():
            c.applied[topic] = c.applied.get(topic, 0) + n
        for f in decoded.failures:
            c.failures[f.topic] = c.failures.get(f.topic, 0) + 1
            c.recent.append(f)
            log.warning(
                "read-model feeder: quarantined record topic=%s partition=%d offset=%d: %s",
                f.topic, f.partition, f.offset, f.reason,
            )  # fmt: skip

    async def _sync_positions(self, consumer: Any) -> None:
        """Store positions that moved past records the feeder never sees (transaction markers)."""
        moved: dict[Position, int] = {}
        for tp in consumer.assignment():
            position = await asyncio.wait_for(consumer.position(tp), self._timeout)
            if position > self._stored.get((tp.topic, tp.partition), 0):
                moved[(tp.topic, tp.partition)] = position
        if moved:
            await self._store_apply(Batch(offsets=moved, generation=self._generation))
            self._stored.update(moved)

    async def _store_apply(self, batch: Batch) -> None:
        try:
            await asyncio.to_thread(self.store.apply, batch)
        except StaleBatchError as exc:
            raise ReadModelReset(
                f"the read model was reset while a batch was in flight ({exc})"
            ) from exc

    async def _refresh_lag(self, consumer: Any) -> None:
        generation = await asyncio.to_thread(self.store.generation)
        if generation != self._generation:
            raise ReadModelReset(
                f"the read model was reset (generation {generation}); re-reading the log"
            )
        tps = list(consumer.assignment())
        checked_at = (
            time.time()
        )  # before the request: every record acknowledged earlier is below these ends
        ends = await asyncio.wait_for(consumer.end_offsets(tps), self._timeout) if tps else {}
        starts = (
            await asyncio.wait_for(consumer.beginning_offsets(tps), self._timeout) if tps else {}
        )
        self._ends = dict(ends)
        self._starts = dict(starts)
        self._reachable = True
        self._last_error = None
        self._lag_round += 1
        self._lag_checked_at = checked_at
        lag = self._lag()
        if all(lag.get(t) == 0 for t in self.kinds):
            self._caught_up_round = self._lag_round

    def _lag(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        starts = self._starts
        for topic in self.kinds:
            tps = [tp for tp in self._ends if tp.topic == topic]
            if not tps or len(tps) != self._partitions.get(topic, 0):
                out[topic] = None
                continue
            total = 0
            for tp in tps:
                done = max(self._stored.get((topic, tp.partition), 0), starts.get(tp, 0))
                total += max(0, self._ends[tp] - done)
            out[topic] = total
        return out


def _record_fault(exc: BaseException) -> bool:
    """Did applying fail because of what a record holds (quarantine it), not the store or broker (retry)?

    ``RowError`` says so; any other failure that is not the store's, the
    broker's or the machine's is taken as the record's too, so a bug on an
    unforeseen value costs one quarantined record, never a wedged feed.
    """
    if isinstance(exc, RowError):
        return True
    return not isinstance(
        exc,
        (
            ReadModelError,
            ReadModelReset,
            QuarantineError,
            KafkaError,
            OSError,
            MemoryError,
            asyncio.TimeoutError,
        ),
    )


def _is_broker_error(exc: BaseException) -> bool:
    return isinstance(exc, (KafkaError, OSError, asyncio.TimeoutError))
