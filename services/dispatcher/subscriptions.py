"""The subscription log: a port with a Kafka adapter and an in-memory adapter.

Storage is event-sourced on a compacted topic (``{prefix}subscriptions``,
key = subscription id, value = the latest full ``Subscription`` record, tombstone
= deleted). Every reader -- each API process, each dispatcher -- folds the topic
into the same in-memory view; ``refresh()`` catches up with everything written
before the call (it reads up to the end offsets it fetches), which gives
read-your-writes across processes without a shared database. See
docs/architecture.md, "Subscriptions".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from pydantic import ValidationError

from schemas.codec import encode
from services.dispatcher.model import Subscription
from services.kafka_admin import KafkaAdminError, TopicSpec, ensure_topics
from services.settings import Settings

log = logging.getLogger(__name__)


class SubscriptionLogError(Exception):
    """The subscription log could not be read or written."""


def subscriptions_topic(settings: Settings) -> str:
    return f"{settings.topic_prefix}subscriptions"


def newer(current: Subscription | None, incoming: Subscription | None) -> Subscription | None:
    """The fold step. A tombstone (``None``) deletes for good; otherwise the record
    with the higher revision wins and equal revisions go to the later write."""
    if incoming is None:
        return None
    if current is not None and current.id == incoming.id and current.revision > incoming.revision:
        return current
    return incoming


class SubscriptionLog(Protocol):
    """Durable subscriptions, shared by the API and the dispatchers."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def refresh(self) -> None:
        """Return once every write acknowledged before the call is visible in ``get``/``all``."""
        ...

    def get(self, subscription_id: str) -> Subscription | None: ...

    def all(self) -> list[Subscription]: ...

    async def put(self, subscription: Subscription) -> None:
        """Durably store the new record; visible to this reader on return."""
        ...

    async def delete(self, subscription_id: str) -> None: ...


class InMemorySubscriptionLog:
    """A real, process-local implementation (unit tests, single-process demos)."""

    def __init__(self) -> None:
        self._view: dict[str, Subscription] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def refresh(self) -> None:
        return None

    def get(self, subscription_id: str) -> Subscription | None:
        return self._view.get(subscription_id)

    def all(self) -> list[Subscription]:
        return sorted(self._view.values(), key=lambda s: (s.created_at, s.id))

    async def put(self, subscription: Subscription) -> None:
        kept = newer(self._view.get(subscription.id), subscription)
        assert kept is not None
        self._view[subscription.id] = kept

    async def delete(self, subscription_id: str) -> None:
        self._view.pop(subscription_id, None)


class KafkaSubscriptionLog:
    """The compacted-topic implementation. One partition: subscriptions are few,
    and a single partition keeps ``refresh`` to one end-offset lookup."""

    def __init__(self, settings: Settings, *, refresh_timeout: float = 30.0) -> None:
        self._settings = settings
        self._topic = subscriptions_topic(settings)
        self._refresh_timeout = refresh_timeout
        self._view: dict[str, Subscription] = {}
        self._producer: Any = None
        self._consumer: Any = None
        self._partitions: list[Any] = []
        self._lock = asyncio.Lock()
        self.rejected: list[tuple[int, int, str]] = []
        """(partition, offset, reason) of records that could not be decoded."""

    async def start(self) -> None:
        bootstrap = self._settings.bootstrap_list
        try:
            await ensure_topics(
                bootstrap,
                [
                    TopicSpec(
                        self._topic,
                        partitions=1,
                        config={"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"},
                    )
                ],
            )
            self._producer = AIOKafkaProducer(
                bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
            )
            await self._producer.start()
            self._consumer = AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            await self._consumer.start()
            await self._consumer.topics()  # loads cluster metadata
            numbers = self._consumer.partitions_for_topic(self._topic) or {0}
            self._partitions = [TopicPartition(self._topic, p) for p in sorted(numbers)]
            self._consumer.assign(self._partitions)
            await self._consumer.seek_to_beginning(*self._partitions)
        except (KafkaError, KafkaAdminError, OSError) as exc:
            await self.close()
            raise SubscriptionLogError(f"cannot open subscription log {self._topic}: {exc}") from exc
        try:
            await self.refresh()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                try:
                    await client.stop()
                except (KafkaError, OSError) as exc:  # closing must not mask the real error
                    log.warning("closing subscription log client: %s", exc)
        self._consumer = self._producer = None

    def _apply(self, partition: int, offset: int, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            self.rejected.append((partition, offset, "record without key"))
            log.error("subscriptions %s[%d]@%d has no key; ignored", self._topic, partition, offset)
            return
        sub_id = key.decode("utf-8", "replace")
        if value is None:
            self._view.pop(sub_id, None)
            return
        try:
            record = Subscription.model_validate_json(value)
        except ValidationError as exc:
            self.rejected.append((partition, offset, str(exc)))
            log.error("subscriptions %s[%d]@%d undecodable; ignored: %s", self._topic, partition, offset, exc)
            return
        kept = newer(self._view.get(sub_id), record)
        if kept is not None:
            self._view[sub_id] = kept

    async def refresh(self) -> None:
        if self._consumer is None:
            raise SubscriptionLogError("subscription log is not started")
        async with self._lock:
            try:
                await asyncio.wait_for(self._catch_up(), timeout=self._refresh_timeout)
            except asyncio.TimeoutError as exc:
                raise SubscriptionLogError(
                    f"could not read {self._topic} to its end within {self._refresh_timeout}s"
                ) from exc
            except KafkaError as exc:
                raise SubscriptionLogError(f"reading {self._topic}: {exc}") from exc

    async def _catch_up(self) -> None:
        ends = await self._consumer.end_offsets(self._partitions)
        while True:
            positions = [await self._consumer.position(tp) for tp in self._partitions]
            if all(pos >= ends[tp] for pos, tp in zip(positions, self._partitions)):
                return
            batches = await self._consumer.getmany(*self._partitions, timeout_ms=200)
            for tp, records in batches.items():
                for r in records:
                    self._apply(tp.partition, r.offset, r.key, r.value)

    def get(self, subscription_id: str) -> Subscription | None:
        return self._view.get(subscription_id)

    def all(self) -> list[Subscription]:
        return sorted(self._view.values(), key=lambda s: (s.created_at, s.id))

    async def _send(self, key: str, value: bytes | None) -> None:
        if self._producer is None:
            raise SubscriptionLogError("subscription log is not started")
        try:
            await self._producer.send_and_wait(self._topic, key=key.encode(), value=value)
        except KafkaError as exc:
            raise SubscriptionLogError(f"writing {key} to {self._topic}: {exc}") from exc

    async def put(self, subscription: Subscription) -> None:
        await self._send(subscription.id, encode(subscription))
        kept = newer(self._view.get(subscription.id), subscription)
        if kept is not None:
            self._view[subscription.id] = kept

    async def delete(self, subscription_id: str) -> None:
        await self._send(subscription_id, None)
        self._view.pop(subscription_id, None)
