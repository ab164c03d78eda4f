"""Test helpers over the real broker: read topics to their end, wait for a consumer group."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


async def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int] | None:
    metadata = await consumer._client.fetch_all_metadata()
    parts: set[int] | None = metadata.partitions_for_topic(topic)
    return parts


async def read_all(bootstrap: str, topic: str, timeout: float = 20.0) -> list[Any]:
    """Every record currently in ``topic`` (earliest to the end offsets read at the start)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        parts = await _partitions(consumer, topic)
        while parts is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"topic {topic} has no metadata after {timeout}s")
            await asyncio.sleep(0.2)
            parts = await _partitions(consumer, topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[Any] = []
        positions = {tp: await consumer.position(tp) for tp in tps}
        while any(positions[tp] < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AssertionError(f"read_all({topic}) timed out at {positions} of {ends}")
            batch = await consumer.getmany(timeout_ms=500)
            for tp, recs in batch.items():
                out.extend(recs)
                if recs:
                    positions[tp] = recs[-1].offset + 1
        return sorted(out, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def wait_caught_up(bootstrap: str, group: str, topic: str, timeout: float = 60.0) -> None:
    """Wait until ``group`` has committed offsets up to the end of every partition of ``topic``.

    The processor commits only what it has fully handled (outputs awaited), so
    this is the barrier after which its outputs are complete.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout
        committed: dict[Any, Any] = {}
        while True:
            try:
                committed = await admin.list_consumer_group_offsets(group)
            except KafkaError:  # the group's coordinator is not there yet
                committed = {}
            behind = {
                tp.partition: (committed[tp].offset if tp in committed else None, end)
                for tp, end in ends.items()
                if end > 0 and (tp not in committed or committed[tp].offset < end)
            }
            if not behind:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"group {group} not caught up on {topic} after {timeout}s: {behind}"
                )
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()
        await admin.close()


async def produce_many(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
) -> None:
    """Produce many records (idempotent, acks=all), awaiting every acknowledgement."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, key=k, value=v) for k, v in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
