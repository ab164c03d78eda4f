"""Test helpers over the real broker: read topics to their end, wait for a consumer group."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from services.kafka import clients
from services.kafka import read as kafka_read
from services.settings import Settings


def kafka_settings(bootstrap: str) -> Settings:
    """Settings for the broker at ``bootstrap``; the connection's security options, if any,
    come from the environment (``DOCKETLINE_KAFKA_*``)."""
    return Settings(bootstrap_servers=bootstrap)


async def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
) -> None:
    producer = clients.producer(kafka_settings(bootstrap), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, timeout: float = 20.0) -> list[Any]:
    """Every record currently in ``topic`` (earliest to the end offsets read at the start)."""
    return await kafka_read.read_all(kafka_settings(bootstrap), topic, timeout=timeout)


async def wait_caught_up(bootstrap: str, group: str, topic: str, timeout: float = 60.0) -> None:
    """Wait until ``group`` has committed offsets up to the end of every partition of ``topic``.

    The processor commits only what it has fully handled (outputs awaited), so
    this is the barrier after which its outputs are complete.
    """
    settings = kafka_settings(bootstrap)
    admin = clients.admin(settings)
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        parts = await kafka_read.partitions_of(consumer, topic) or set()
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
    producer = clients.producer(
        kafka_settings(bootstrap),
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
