"""The second ceiling: bare aiokafka doing the worker's work, without faust.

Same input as the ceiling and the worker (the pre-filled ``docket.events``),
same work per batch as the worker's :meth:`services.processor.app.Processor.handle_batch`:
the records admitted through the same offset ledger and folded by the same
pure code (:func:`services.processor.batch.fold_events`: decode and validate,
``evolve``, ``detect``), the alerts and dead letters produced and
acknowledged, then the new state of each changed case encoded and produced
(to the partition of its last event) and acknowledged, then the offsets
committed. Same producer settings as the worker (acks=all, 1 MiB batches,
5 ms linger, zstd, the 128 MiB request limit). What it leaves out is the
framework: faust's stream and conductor machinery, its consumer thread, and
the RocksDB table (states stay decoded in a dict: the worker's state cache
always hitting).

So ``docketline bench`` reports three figures side by side: the ceiling
(decode and forward: Kafka and the client), this one (plus our own core) and
the worker (plus faust); the gaps between them are the cost of our core and
the cost of the framework.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition  # type: ignore[import-untyped]

from bench.phases import fetch_within, loop_figures
from schemas.codec import encode
from schemas.projection import CaseState
from services.kafka import clients
from services.kafka.topics import MAX_OUTPUT_BYTES, OUTPUT_COMPRESSION
from services.processor.app import PRODUCER_BATCH_BYTES, PRODUCER_LINGER_S
from services.processor.batch import fold_events
from services.processor.offsets import OffsetLedger
from services.settings import Settings


@dataclass(frozen=True, slots=True)
class _Message:
    """An aiokafka record as the fold sees faust's message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    @property
    def tp(self) -> Hashable:
        return (self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class _Event:
    message: _Message


class _Assign(ConsumerRebalanceListener):  # type: ignore[misc]
    """A fresh group on a fresh topic: every assigned partition is folded from offset 0."""

    def __init__(self, ledger: OffsetLedger[Any]) -> None:
        self.ledger = ledger

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.ledger.revoke((tp.topic, tp.partition) for tp in revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.ledger.assign({(tp.topic, tp.partition): 0 for tp in assigned})


def output_topics(dst: str) -> dict[str, str]:
    return {"states": f"{dst}.states", "alerts": f"{dst}.alerts", "dlq": f"{dst}.dlq"}


async def same_work_ceiling(
    settings: Settings, src: str, dst: str, expected: int, timeout: float
) -> dict[str, Any]:
    """Fold ``expected`` records of ``src`` as the worker does; write to ``output_topics(dst)``."""
    topics = output_topics(dst)
    ledger: OffsetLedger[Any] = OffsetLedger()
    consumer = clients.consumer(
        settings,
        group_id=f"{dst}.group",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=2000,
    )
    consumer.subscribe([src], listener=_Assign(ledger))
    producer = clients.producer(
        settings,
        acks="all",
        max_batch_size=PRODUCER_BATCH_BYTES,
        linger_ms=int(PRODUCER_LINGER_S * 1000),
        compression_type=OUTPUT_COMPRESSION,
        max_request_size=MAX_OUTPUT_BYTES,
    )
    states: dict[str, CaseState] = {}
    n = alerts = dead = written = batches = 0
    started: float | None = None
    cpu0 = 0.0
    deadline = time.perf_counter() + timeout
    await consumer.start()
    await producer.start()
    try:
        while n < expected:
            late = f"same-work ceiling got {n} of {expected} records from {src} in {timeout:.0f}s"
            fetched = await fetch_within(consumer, deadline, late)
            if not fetched:
                continue
            if started is None:
                started, cpu0 = time.perf_counter(), time.process_time()
            batch = [
                _Event(_Message(r.topic, r.partition, r.offset, r.key, r.value))
                for records in fetched.values()
                for r in records
            ]
            n += len(batch)
            batches += 1
            folded = fold_events(batch, ledger, states.get)
            now = dt.datetime.now(dt.UTC)
            sends = [
                await producer.send(topics["dlq"], key=dl.key, value=dl.to_json(now))
                for dl in folded.dead_letters
            ]
            sends += [
                await producer.send(topics["alerts"], key=a.key, value=a.value, headers=a.headers)
                for a in folded.alerts
            ]
            await asyncio.gather(*sends)
            changelog = []
            for case_id, event in folded.last_event.items():
                state = folded.states[case_id]
                changelog.append(
                    await producer.send(
                        topics["states"],
                        key=case_id.encode(),
                        value=encode(state),
                        partition=event.message.partition,
                    )
                )
                states[case_id] = state
            await asyncio.gather(*changelog)
            ledger.durable()
            offsets = ledger.to_commit()
            await consumer.commit({TopicPartition(*tp): o for tp, o in offsets.items()})
            ledger.committed(offsets)
            alerts += len(folded.alerts)
            dead += len(folded.dead_letters)
            written += len(changelog)
        assert started is not None
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    finally:
        await consumer.stop()
        await producer.stop()
    return {
        **loop_figures(n, took, cpu),
        "batches": batches,
        "states_written": written,
        "alerts_written": alerts,
        "dead_lettered": dead,
    }
