"""Read a topic from the beginning to the end offsets seen at the start.

Used by operators' tools (consistency check, rebuild) and tests: a bounded,
consumer-group-free scan of a topic's current contents.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from aiokafka import TopicPartition  # type: ignore[import-untyped]

from services.kafka import clients
from services.settings import Settings


class TopicReadError(Exception):
    """The topic could not be read to its end in time."""


async def partitions_of(consumer: Any, topic: str) -> set[int] | None:
    metadata = await consumer._client.fetch_all_metadata()
    parts: set[int] | None = metadata.partitions_for_topic(topic)
    return parts


async def topic_exists(settings: Settings, topic: str) -> bool:
    """Whether the cluster has ``topic`` now (no waiting for it, unlike :func:`scan`)."""
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await consumer.start()
    try:
        return bool(await partitions_of(consumer, topic))
    finally:
        await consumer.stop()


async def topic_extent(
    settings: Settings, topics: Iterable[str]
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per existing topic, partition -> (first offset, end offset)."""
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await consumer.start()
    try:
        out: dict[str, dict[int, tuple[int, int]]] = {}
        for topic in topics:
            parts = await partitions_of(consumer, topic)
            if not parts:
                continue
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            begin = await consumer.beginning_offsets(tps)
            end = await consumer.end_offsets(tps)
            out[topic] = {tp.partition: (begin[tp], end[tp]) for tp in tps}
        return out
    finally:
        await consumer.stop()


async def scan(
    settings: Settings,
    topic: str,
    *,
    timeout: float = 300.0,
    batch_max: int = 5000,
) -> AsyncIterator[list[Any]]:
    """Yield batches of records from ``topic``, earliest to the end offsets at the start.

    Records within a partition come in offset order. Raises ``TopicReadError``
    when the topic does not exist or the end is not reached within ``timeout``.
    """
    consumer = clients.consumer(
        settings,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        parts = await partitions_of(consumer, topic)
        while parts is None:
            if time.monotonic() > min(deadline, time.monotonic() + 10):
                raise TopicReadError(
                    f"topic {topic!r} does not exist on {settings.bootstrap_servers}"
                )
            await asyncio.sleep(0.2)
            parts = await partitions_of(consumer, topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        async for batch in _drain(consumer, topic, ends, deadline, batch_max):
            yield batch
    finally:
        await consumer.stop()


async def scan_partitions(
    settings: Settings,
    topic: str,
    ends: Mapping[int, int],
    *,
    timeout: float = 300.0,
    batch_max: int = 10_000,
    fetch_bytes: int = 8 * 1024 * 1024,
) -> AsyncIterator[list[Any]]:
    """Yield batches of the records of some partitions (``{partition: end offset}``), from their start to the end."""
    consumer = clients.consumer(
        settings, enable_auto_commit=False, max_partition_fetch_bytes=fetch_bytes
    )
    await consumer.start()
    try:
        tp_ends = {TopicPartition(topic, p): end for p, end in ends.items()}
        consumer.assign(list(tp_ends))
        await consumer.seek_to_beginning(*tp_ends)
        async for batch in _drain(consumer, topic, tp_ends, time.monotonic() + timeout, batch_max):
            yield batch
    finally:
        await consumer.stop()


async def _drain(
    consumer: Any, topic: str, ends: Mapping[Any, int], deadline: float, batch_max: int
) -> AsyncIterator[list[Any]]:
    """Fetch the assigned partitions from their positions up to (excluding) ``ends``."""
    positions = {tp: await consumer.position(tp) for tp in ends}
    while any(positions[tp] < end for tp, end in ends.items()):
        if time.monotonic() > deadline:
            raise TopicReadError(f"reading {topic} timed out at {positions} of {ends}")
        fetched = await consumer.getmany(timeout_ms=500, max_records=batch_max)
        for tp, records in fetched.items():
            keep = [r for r in records if r.offset < ends[tp]]
            if records:
                positions[tp] = records[-1].offset + 1
            if keep:
                yield keep


async def read_all(settings: Settings, topic: str, *, timeout: float = 300.0) -> list[Any]:
    out: list[Any] = []
    async for batch in scan(settings, topic, timeout=timeout):
        out.extend(batch)
    return sorted(out, key=lambda r: (r.partition, r.offset))
