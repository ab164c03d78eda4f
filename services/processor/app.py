"""The faust wiring: topics, the ``cases`` table and one thin agent.

The agent decodes nothing itself: :func:`services.processor.step.handle_record`
does the work. Events are taken in batches (``stream.take_events``); for each
batch the agent writes, in this order:

1. alerts to ``case.alerts`` and dead letters to ``docket.events.dlq`` — all
   awaited until the broker acknowledges them (one round trip per batch);
2. the new state of each changed case to the ``cases`` table
   (changelog-backed, RocksDB);
3. the state snapshots to the compacted ``case.states`` topic.

Alerts first: if the worker dies after (1) and before (2), the event is
re-processed and the same alerts (same deterministic ids) are sent again —
at-least-once, de-duplicated by id downstream. The reverse order could lose an
alert, because a re-processed event that is already in the table is a no-op.

Bad records go to ``docket.events.dlq`` explicitly (faust acks a message even
when the agent raises). Transient Kafka errors while writing are retried in
place, so the record is not acknowledged until its outputs are written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import faust
from faust.exceptions import ProducerSendError
from faust.streams import _current_event
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from prometheus_client import Counter

from schemas.codec import CodecError, decode_state, encode
from schemas.projection import CaseState
from services.processor.step import DeadLetter, Outcome, RecordRef, handle_record
from services.settings import Settings
from services.topics import MAX_MESSAGE_BYTES

log = logging.getLogger("docketline.processor")

EVENTS_PROCESSED = Counter("docketline_processor_events_total", "Docket events handled", ["outcome"])

STATE_CACHE_SIZE = 10_000
BATCH_MAX = 500
BATCH_WITHIN_S = 0.05


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
    app_id = f"{settings.topic_prefix}{settings.processor_app_id}"
    app = faust.App(
        app_id,
        broker=[f"kafka://{s}" for s in settings.bootstrap_list],
        store="rocksdb://",
        datadir=str(settings.data_dir / "processor"),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=web_port is not None,
        web_port=web_port or 6066,
        web_in_thread=False,
        autodiscover=False,
        table_standby_replicas=0,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
    )
    events = app.topic(
        settings.topic_events,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )
    states = app.topic(
        settings.topic_states,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        compacting=True,
    )
    alerts = app.topic(
        settings.topic_alerts, key_serializer="raw", value_serializer="raw", partitions=settings.partitions
    )
    dlq = app.topic(settings.topic_dlq, key_serializer="raw", value_serializer="raw", partitions=settings.partitions)
    cases = app.Table(
        "cases",
        default=None,
        key_type=bytes,  # bytes -> the "raw" serializer: we encode states ourselves
        value_type=bytes,
        partitions=settings.partitions,
        extra_topic_configs={"max.message.bytes": str(MAX_MESSAGE_BYTES)},
    )
    cache = _StateCache(STATE_CACHE_SIZE)
    stats = {"applied": 0, "unchanged": 0, "dead_lettered": 0, "alerts": 0, "batches": 0, "write_retries": 0}

    def table_state(case_id: str) -> CaseState | None:
        raw = cases.get(case_id.encode())
        return None if raw is None else cache.get(case_id, raw)

    async def handle_batch(batch: Sequence[Any]) -> None:
        """Fold a batch; write alerts + dead letters (acked), then table, then snapshots.

        Safe to call again with the same batch after a failure: nothing is
        written to the table before every alert of the batch is acknowledged,
        and a repeated alert has the same id.
        """
        overlay: dict[str, CaseState] = {}  # states changed earlier in this batch
        last_event: dict[str, Any] = {}
        sends: list[Any] = []
        counts = {"applied": 0, "unchanged": 0, "dead_lettered": 0, "alerts": 0}

        def load_state(case_id: str) -> CaseState | None:
            return overlay[case_id] if case_id in overlay else table_state(case_id)

        now = dt.datetime.now(dt.timezone.utc)
        for event in batch:
            # faust's RocksDB store reads and writes the partition of the *current*
            # event; in a batch that must be set per event, or a read looks in the
            # wrong partition's database.
            _current_event.set(weakref.ref(event))
            message = event.message
            ref = RecordRef(message.topic, message.partition, message.offset)
            try:
                out = handle_record(message.key, message.value, ref, load_state)
            except Exception as exc:  # a bug in our code must not lose the record: dead-letter it
                log.exception("internal error on %s", ref)
                dl = DeadLetter("internal_error", f"{type(exc).__name__}: {exc}", ref, message.key, message.value)
                out = Outcome(dead_letter=dl)
            if out.dead_letter is not None:
                dl = out.dead_letter
                log.warning("dead-lettered %s: %s (%s)", ref, dl.reason, dl.error)
                sends.append(await dlq.send(key=dl.key, value=dl.to_json(now)))
                counts["dead_lettered"] += 1
            elif out.state is None:
                counts["unchanged"] += 1
            else:
                assert out.case_id is not None
                key = out.case_id.encode()
                for alert in out.alerts:
                    sends.append(await alerts.send(key=key, value=encode(alert)))
                overlay[out.case_id] = out.state
                last_event[out.case_id] = event
                counts["applied"] += 1
                counts["alerts"] += len(out.alerts)
        if sends:
            await asyncio.gather(*sends)  # every alert and dead letter acknowledged
        for case_id, state in overlay.items():
            key = case_id.encode()
            raw = encode(state)
            # the changelog partition is the current event's partition: point it at this key's event
            _current_event.set(weakref.ref(last_event[case_id]))
            cases[key] = raw  # assigned, never mutated in place: the changelog sees every change
            cache.put(case_id, raw, state)
            await states.send(key=key, value=raw)
        for k, v in counts.items():
            stats[k] += v
            EVENTS_PROCESSED.labels(k).inc(v)
        stats["batches"] += 1

    @app.agent(events, name="fold-cases")
    async def fold_cases(stream: Any) -> Any:
        async for batch in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            # Nothing may escape this loop: faust acks a batch whose agent raised.
            delay = 0.5
            while True:
                try:
                    await handle_batch(batch)
                    break
                except (KafkaError, ProducerSendError, asyncio.TimeoutError, OSError) as exc:
                    # broker away or a write refused: retry in place; the batch is not acked
                    # until its outputs are written (a stuck partition is visible in lag metrics)
                    log.error("writing outputs failed (%r); retrying the batch in %.1fs", exc, delay)
                    stats["write_retries"] += 1
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
            yield len(batch)

    return Processor(app=app, settings=settings, stats=stats)
