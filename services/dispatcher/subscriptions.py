"""The subscription log: a port with a Kafka adapter and an in-memory adapter.

Storage is event-sourced on a compacted topic (``{prefix}subscriptions``,
key = subscription id, value = the latest full ``Subscription`` record). A
delete writes a ``SubscriptionDeleted`` mark under ``deleted/{id}`` and then a
tombstone for ``{id}``; the mark is final: records for that id after it (a write
from a copy read before the delete, by the dispatcher or another API process)
are ignored by every reader and tombstoned again. A bare tombstone (as older
writers left them) is final for a reader that sees it too. Every reader -- each
API process, each dispatcher -- folds the topic with the same pure
``SubscriptionFold``; ``refresh()`` catches up with everything written before
the call (it reads up to the end offsets it fetches), which gives
read-your-writes across processes without a shared database. See
docs/architecture.md, "Subscriptions".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from pydantic import ValidationError

from schemas.codec import encode
from services.dispatcher.model import DELETED_KEY_PREFIX, Subscription, SubscriptionDeleted
from services.dispatcher.secretbox import SecretBox, SecretBoxError, secret_box
from services.kafka import clients
from services.kafka.admin import KafkaAdminError, TopicSpec, ensure_topics
from services.settings import Settings

log = logging.getLogger(__name__)


class SubscriptionLogError(Exception):
    """The subscription log could not be read or written."""


class SubscriptionDeletedError(SubscriptionLogError):
    """A write for a subscription this log has seen deleted (deletion is final)."""


class RecordError(ValueError):
    """A record on the subscriptions topic that cannot be folded (kept out, with the reason)."""


def subscriptions_topic(settings: Settings) -> str:
    return f"{settings.topic_prefix}subscriptions"


def subscriptions_topic_spec(settings: Settings) -> TopicSpec:
    """One partition (one total order of writes), compacted: the last record per key is the log."""
    return TopicSpec(
        subscriptions_topic(settings),
        partitions=1,
        config={"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"},
        replication_factor=settings.kafka_replication_factor,
    )


def newer(current: Subscription | None, incoming: Subscription | None) -> Subscription | None:
    """The fold step. A tombstone (``None``) deletes for good; otherwise the record
    with the higher revision wins and equal revisions go to the later write."""
    if incoming is None:
        return None
    if current is not None and current.id == incoming.id and current.revision > incoming.revision:
        return current
    return incoming


def deleted_key(subscription_id: str) -> str:
    return DELETED_KEY_PREFIX + subscription_id


@dataclass
class SubscriptionFold:
    """The pure fold of the subscriptions topic, record by record, the same in every reader.

    ``view`` holds the live subscriptions, ``deleted`` every id seen deleted (by its
    mark or a tombstone). ``stale`` is the ids whose latest record on their own key
    came after their deletion: the record (URL, secret) should be tombstoned again.
    """

    view: dict[str, Subscription] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    stale: set[str] = field(default_factory=set)
    box: SecretBox | None = None
    """Opens the signing secrets sealed at rest (``None``: records hold them in the clear)."""

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Fold one record; ``RecordError`` (state unchanged) when it cannot be read."""
        if key is None:
            raise RecordError("record without key")
        name = key.decode("utf-8", "replace")
        if name.startswith(DELETED_KEY_PREFIX):
            sub_id = name[len(DELETED_KEY_PREFIX) :]
            if value is None:
                raise RecordError(
                    f"tombstone for the deletion mark of {sub_id}: deletion stays final"
                )
            try:
                mark = SubscriptionDeleted.model_validate_json(value)
            except ValidationError as exc:
                raise RecordError(f"undecodable deletion mark: {exc}") from exc
            if mark.id != sub_id:
                raise RecordError(f"deletion mark of {mark.id} under key {name}")
            if sub_id in self.view:  # its record stays until the tombstone that follows
                self.stale.add(sub_id)
            self._delete(sub_id)
            return
        if value is None:
            self._delete(name)
            self.stale.discard(name)
            return
        try:
            record = Subscription.model_validate_json(value)
            if self.box is not None:
                record = self.box.open(record)
        except ValidationError as exc:
            raise RecordError(str(exc)) from exc
        except SecretBoxError as exc:
            raise RecordError(f"{name}: {exc}") from exc
        if record.id != name:
            raise RecordError(f"record of {record.id} under key {name}")
        if name in self.deleted:
            self.stale.add(name)
            log.warning("subscription %s was deleted: a later record for it is ignored", name)
            return
        kept = newer(self.view.get(name), record)
        if kept is not None:
            self.view[name] = kept

    def _delete(self, sub_id: str) -> None:
        self.deleted.add(sub_id)
        self.view.pop(sub_id, None)

    def sorted(self) -> list[Subscription]:
        return sorted(self.view.values(), key=lambda s: (s.created_at, s.id))


def deletion_records(subscription_id: str, now: dt.datetime) -> list[tuple[str, bytes | None]]:
    """What a delete writes, in order: the final mark, then the tombstone of the record."""
    mark = SubscriptionDeleted(id=subscription_id, deleted_at=now)
    return [(deleted_key(subscription_id), encode(mark)), (subscription_id, None)]


class SubscriptionLog(Protocol):
    """Durable subscriptions, shared by the API and the dispatchers."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def refresh(self) -> None:
        """Return once every write acknowledged before the call is visible in ``get``/``all``."""
        ...

    def get(self, subscription_id: str) -> Subscription | None: ...

    def was_deleted(self, subscription_id: str) -> bool:
        """Whether this reader has seen the subscription deleted (it never comes back)."""
        ...

    def all(self) -> list[Subscription]: ...

    async def put(self, subscription: Subscription) -> None:
        """Durably store the new record; visible to this reader on return.
        ``SubscriptionDeletedError`` when this reader has seen the subscription deleted."""
        ...

    async def delete(self, subscription_id: str) -> None:
        """Delete for good: no later write brings it back, for any reader."""
        ...


@dataclass
class InMemoryTopic:
    """The records of a subscriptions topic held in memory (what several in-memory
    logs share, the way processes share the Kafka topic)."""

    records: list[tuple[bytes | None, bytes | None]] = field(default_factory=list)


class InMemorySubscriptionLog:
    """A real, process-local implementation (unit tests, single-process demos): the
    same fold over records kept in an ``InMemoryTopic``, shared by the logs given it."""

    def __init__(self, topic: InMemoryTopic | None = None, *, box: SecretBox | None = None) -> None:
        self._topic = topic if topic is not None else InMemoryTopic()
        self._fold = SubscriptionFold(box=box)
        self._position = 0
        self.rejected: list[tuple[int, str]] = []
        """(offset, reason) of records that could not be folded."""

    async def start(self) -> None:
        await self.refresh()

    async def close(self) -> None:
        return None

    async def refresh(self) -> None:
        records = self._topic.records
        while self._position < len(records):
            key, value = records[self._position]
            try:
                self._fold.apply(key, value)
            except RecordError as exc:
                self.rejected.append((self._position, str(exc)))
            self._position += 1

    def get(self, subscription_id: str) -> Subscription | None:
        return self._fold.view.get(subscription_id)

    def was_deleted(self, subscription_id: str) -> bool:
        return subscription_id in self._fold.deleted

    def all(self) -> list[Subscription]:
        return self._fold.sorted()

    def _send(self, key: str, value: bytes | None) -> None:
        self._topic.records.append((key.encode(), value))
        self._fold.apply(key.encode(), value)

    async def put(self, subscription: Subscription) -> None:
        if subscription.id in self._fold.deleted:
            raise SubscriptionDeletedError(f"subscription {subscription.id} was deleted")
        sealed = self._fold.box.seal(subscription) if self._fold.box else subscription
        self._send(subscription.id, encode(sealed))

    async def delete(self, subscription_id: str) -> None:
        for key, value in deletion_records(subscription_id, dt.datetime.now(dt.UTC)):
            self._send(key, value)


class KafkaSubscriptionLog:
    """The compacted-topic implementation. One partition: subscriptions are few,
    and a single partition keeps ``refresh`` to one end-offset lookup."""

    def __init__(
        self, settings: Settings, *, refresh_timeout: float = 30.0, box: SecretBox | None = None
    ) -> None:
        """``box`` defaults to ``secret_box(settings)``: signing secrets are sealed on the topic."""
        self._settings = settings
        self._topic = subscriptions_topic(settings)
        self._refresh_timeout = refresh_timeout
        self._box = box if box is not None else secret_box(settings)
        self._fold = SubscriptionFold(box=self._box)
        self._producer: Any = None
        self._consumer: Any = None
        self._partitions: list[Any] = []
        self._lock = asyncio.Lock()
        self.rejected: list[tuple[int, int, str]] = []
        """(partition, offset, reason) of records that could not be decoded."""

    async def start(self) -> None:
        try:
            await ensure_topics(self._settings, [subscriptions_topic_spec(self._settings)])
            self._producer = clients.producer(self._settings, acks="all", enable_idempotence=True)
            await self._producer.start()
            self._consumer = clients.consumer(
                self._settings,
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
            raise SubscriptionLogError(
                f"cannot open subscription log {self._topic}: {exc}"
            ) from exc
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
        try:
            self._fold.apply(key, value)
        except RecordError as exc:
            self.rejected.append((partition, offset, str(exc)))
            log.error("subscriptions %s[%d]@%d ignored: %s", self._topic, partition, offset, exc)

    async def refresh(self) -> None:
        if self._consumer is None:
            raise SubscriptionLogError("subscription log is not started")
        async with self._lock:
            try:
                await asyncio.wait_for(self._catch_up(), timeout=self._refresh_timeout)
            except TimeoutError as exc:
                raise SubscriptionLogError(
                    f"could not read {self._topic} to its end within {self._refresh_timeout}s"
                ) from exc
            except KafkaError as exc:
                raise SubscriptionLogError(f"reading {self._topic}: {exc}") from exc
            await self._tombstone_stale()

    async def _tombstone_stale(self) -> None:
        """Tombstone records written for subscriptions after their deletion (best effort:
        the fold ignores them anyway; this only keeps their URL and secret off the topic)."""
        for sub_id in sorted(self._fold.stale):
            try:
                await self._send(sub_id, None)
            except SubscriptionLogError as exc:
                log.warning("could not tombstone the late record of deleted %s: %s", sub_id, exc)
                return
            self._fold.stale.discard(sub_id)

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
        return self._fold.view.get(subscription_id)

    def was_deleted(self, subscription_id: str) -> bool:
        return subscription_id in self._fold.deleted

    def all(self) -> list[Subscription]:
        return self._fold.sorted()

    async def _send(self, key: str, value: bytes | None) -> None:
        if self._producer is None:
            raise SubscriptionLogError("subscription log is not started")
        try:
            await self._producer.send_and_wait(self._topic, key=key.encode(), value=value)
        except KafkaError as exc:
            raise SubscriptionLogError(f"writing {key} to {self._topic}: {exc}") from exc
        self._fold.apply(key.encode(), value)

    async def put(self, subscription: Subscription) -> None:
        if subscription.id in self._fold.deleted:
            raise SubscriptionDeletedError(f"subscription {subscription.id} was deleted")
        await self._send(subscription.id, encode(self._box.seal(subscription)))

    async def delete(self, subscription_id: str) -> None:
        for key, value in deletion_records(subscription_id, dt.datetime.now(dt.UTC)):
            await self._send(key, value)
