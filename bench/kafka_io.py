"""The benchmark's own Kafka plumbing: fill a topic fast, read offsets, watch a group.

Same client as the services (aiokafka). Every wait is bounded and says what it
saw when it gives up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, Self

from aiokafka import TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from services.kafka import clients
from services.settings import Settings


class BenchTimeout(Exception):
    """A bounded wait of the benchmark expired; the message says what was seen."""


async def fill_topic(
    settings: Settings, topic: str, records: Iterable[tuple[bytes, bytes]], window: int = 5000
) -> int:
    """Produce every record (idempotent, acks=all), pipelined ``window`` at a time; returns the count."""
    producer = clients.producer(
        settings,
        acks="all",
        enable_idempotence=True,
        linger_ms=10,
        max_batch_size=512 * 1024,
        max_request_size=4 * 1024 * 1024,
    )
    await producer.start()
    n = 0
    try:
        pending: list[asyncio.Future[Any]] = []
        for key, value in records:
            pending.append(await producer.send(topic, key=key, value=value))
            n += 1
            if len(pending) >= window:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return n


async def topic_partitions(
    settings: Settings, topic: str, timeout: float = 30.0
) -> list[TopicPartition]:
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            parts = consumer.partitions_for_topic(topic)
            if parts:
                return [TopicPartition(topic, p) for p in sorted(parts)]
            if time.monotonic() > deadline:
                raise BenchTimeout(f"topic {topic} has no partitions after {timeout:.0f}s")
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()


async def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    tps = await topic_partitions(settings, topic)
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        return {tp.partition: off for tp, off in ends.items()}
    finally:
        await consumer.stop()


async def count_records(settings: Settings, topic: str) -> int:
    """Records in a (never compacted yet) topic: the sum of its end offsets."""
    return sum((await end_offsets(settings, topic)).values())


class GroupWatch:
    """Polls a consumer group's committed offsets on one topic."""

    def __init__(self, settings: Settings, group: str, topic: str) -> None:
        self.group = group
        self.topic = topic
        self._admin = clients.admin(settings)

    async def __aenter__(self) -> Self:
        await self._admin.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._admin.close()

    async def committed(self) -> int:
        """Offsets committed so far (0 while the group has no coordinator yet)."""
        try:
            offsets = await self._admin.list_consumer_group_offsets(self.group)
        except KafkaError:  # the group's coordinator is not there until the group first joins
            return 0
        return sum(
            meta.offset
            for tp, meta in offsets.items()
            if tp.topic == self.topic and meta.offset > 0
        )

    async def wait_for(
        self,
        target: int,
        timeout: float,
        interval: float = 0.2,
        still_worth_waiting: Callable[[], None] | None = None,
    ) -> tuple[float, float, int]:
        """Wait until ``target`` offsets are committed.

        ``still_worth_waiting`` is called between polls and may raise (e.g.
        when the consuming process died).

        Returns (time of the first commit seen, time the target was reached,
        offsets already committed at the first observation), in
        ``time.perf_counter`` seconds.
        """
        deadline = time.perf_counter() + timeout
        first: tuple[float, int] | None = None
        seen = 0
        while True:
            seen = await self.committed()
            now = time.perf_counter()
            if seen > 0 and first is None:
                first = (now, seen)
            if seen >= target:
                assert first is not None
                return first[0], now, first[1]
            if still_worth_waiting is not None:
                still_worth_waiting()
            if now > deadline:
                raise BenchTimeout(
                    f"group {self.group} committed {seen} of {target} offsets on {self.topic} after {timeout:.0f}s"
                )
            await asyncio.sleep(interval)
