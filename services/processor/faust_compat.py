"""The processor's one seam to faust's and aiokafka's internals.

Everything the worker does below faust's public API is here, each item with
the release it was verified on and why the public API does not do. Verified
on **faust-streaming 0.15.3 with aiokafka 0.14.0** (``VERIFIED_ON``); every
item has a test in ``tests/unit/test_faust_compat.py`` that pins the
behaviour it relies on, so an upgrade that changes one fails there first,
naming the item, instead of in a fault test (or in production).

Nothing else in ``services/`` or ``bench/`` may name a private faust or
aiokafka attribute (``_commit``, ``_current_event``,
``_create_worker_consumer``, ``_fetch_max_wait_ms``, ...) or call
``set_persisted_offset``: add an item here instead.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import faust
from faust.types import TP

VERIFIED_ON = {"faust-streaming": "0.15.3", "aiokafka": "0.14.0"}


# -- 1. the fetch wait of the worker's consumer ------------------------------------------------
def install_fetch_max_wait(ms: int) -> None:
    """Make faust's worker consumers hold an empty fetch for at most ``ms`` (process-wide).

    Why: faust builds its worker consumer with ``fetch_max_wait_ms=1500``
    hard-coded (``AIOKafkaConsumerThread._create_worker_consumer``) and has no
    setting for it; aiokafka keeps one fetch in flight per broker, so a
    partition whose records the agent just took waited up to 1.5 s for it
    (produce -> alert p50 1.6 s; bench/README.md). aiokafka reads the value from
    ``AIOKafkaConsumer._fetch_max_wait_ms`` only in ``start()``, so setting it
    on the unstarted consumer faust has just built works. Verified on 0.15.3.
    """
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    current = AIOKafkaConsumerThread._create_worker_consumer
    original = getattr(current, "_docketline_original", current)

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = ms
        return consumer

    create._docketline_original = original  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]


async def worker_consumer_config(app: faust.App) -> dict[str, Any]:
    """What faust's worker consumer for ``app`` is built with (built, read, stopped; no connection).

    For tests and the log: the fetch wait, the static member id and the
    session/heartbeat settings as aiokafka holds them (its private attributes:
    aiokafka has no getter for them). Verified on 0.15.3 / aiokafka 0.14.0.
    """
    faust_consumer: Any = app.consumer
    thread = faust_consumer._thread  # faust's consumer thread; nothing is started
    consumer = thread._create_worker_consumer(app.transport)
    try:
        return {
            "fetch_max_wait_ms": consumer._fetch_max_wait_ms,
            "group_instance_id": consumer._group_instance_id,
            "session_timeout_ms": consumer._session_timeout_ms,
            "heartbeat_interval_ms": consumer._heartbeat_interval_ms,
            "group_id": consumer._group_id,
        }
    finally:
        await consumer.stop()


# -- 2. the current event of a batch -----------------------------------------------------------
def enter_event(event: Any) -> None:
    """Make ``event`` faust's current event (what its RocksDB store reads for the partition).

    Why: faust's RocksDB store picks the partition database of a read and a
    write from ``faust.streams.current_event()`` (``Store._get``/``_set``),
    which faust sets per event only for ``async for event in stream``; a batch
    from ``stream.take_events`` leaves it at the last event of the batch, so a
    read for another partition's case looked in the wrong database. The
    context variable ``faust.streams._current_event`` holds a weak reference.
    Verified on 0.15.3.
    """
    from faust.streams import _current_event

    _current_event.set(weakref.ref(event))


# -- 3. committing exactly the ledger's offsets -----------------------------------------------
async def commit_offsets(app: faust.App, offsets: Mapping[TP, int]) -> bool:
    """Commit ``offsets`` (next offset to read, per partition) for ``app``'s group; False if refused.

    Why: the processor switches faust's acks off for ``docket.events`` and
    keeps its own ledger (``services.processor.offsets``), so ``app.consumer.commit()``
    (which commits what faust's ack bookkeeping says) would commit nothing or
    the wrong offsets. ``Consumer._commit`` is faust's low-level commit below
    that bookkeeping: it passes the offsets as given (no +1) to aiokafka's
    ``commit`` for the partitions still assigned and returns False when the
    group has rebalanced. Verified on 0.15.3.
    """
    consumer: Any = app.consumer
    return bool(await consumer._commit(offsets))


# -- 4. writing the table's store and its changelog offset ourselves ----------------------------
def write_store(table: faust.Table[Any, Any], key: bytes, value: bytes, event: Any) -> None:
    """Write ``value`` to the local store of ``table`` in the partition of ``event``, no changelog.

    Why: ``table[key] = value`` queues the changelog record through faust's
    ``Topic.send`` machinery and writes the store at once; the processor sends
    the changelog record itself (straight to the producer, awaited) and writes
    the store only after the record is acknowledged, so the store never holds
    a state the changelog lacks (a SIGKILL in between lost a state once).
    ``table.data[key] = value`` writes the store only. Verified on 0.15.3.
    """
    enter_event(event)  # the store writes the current event's partition database
    table.data[key] = value


def record_changelog_offset(table: faust.Table[Any, Any], tp: TP, offset: int) -> None:
    """Record that the store holds the changelog ``tp`` up to ``offset`` (as faust's callback does).

    Why: faust records it in its changelog-send callback, which the
    processor's own sends bypass; recovery after a restart reads the changelog
    on from this offset (from the start without it). Verified on 0.15.3.
    """
    table.data.set_persisted_offset(tp, offset)


def changelog_offset(table: faust.Table[Any, Any], tp: TP) -> int | None:
    """The changelog offset the store was last persisted at (None: never), for the log.

    The reading side of :func:`record_changelog_offset`. Verified on 0.15.3.
    """
    offset = table.data.persisted_offset(tp)
    return None if offset is None else int(offset)


# -- 5. sending straight to the producer ---------------------------------------------------------
async def send(
    app: faust.App,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    partition: int | None = None,
    headers: Sequence[tuple[str, bytes]] | None = None,
) -> Awaitable[Any]:
    """Hand a record to faust's producer; returns the future of its ``RecordMetadata``.

    Why: ``Topic.send``/``send_soon`` put every message through faust's
    queue and per-message bookkeeping (~20 % of the worker's CPU; A/B in
    bench/README.md). ``app.producer.send`` returns aiokafka's future as is;
    awaiting it is the broker's acknowledgement (``.partition``, ``.offset``).
    Verified on 0.15.3.
    """
    producer: Any = app.producer
    future: Awaitable[Any] = await producer.send(
        topic, key, value, partition, None, list(headers) if headers else None
    )
    return future


# -- 6. seeking back from the agent --------------------------------------------------------------
async def seek(app: faust.App, offsets: Mapping[TP, int]) -> None:
    """Rewind partitions to ``offsets`` and set faust's read offsets to match.

    Why: ``Consumer.seek`` calls aiokafka from the agent's event loop, not the
    consumer's thread, which can leave the fetcher waiting forever;
    ``seek_wait`` runs the seek in the consumer's thread. Verified on 0.15.3.
    """
    await app.consumer.seek_wait(dict(offsets))


def highwater(app: faust.App, tp: TP) -> int | None:
    """The partition's end offset as of the consumer's last fetch (None before one), for lag.

    Why: ``highwaters()`` asks the broker (a request per call); ``highwater``
    reads what the last fetch response said, free, from the agent's loop.
    faust raises ``ConsumerNotStarted`` before the consumer runs and aiokafka
    an ``AssertionError`` for a partition not assigned. Verified on 0.15.3.
    """
    from faust.exceptions import ConsumerNotStarted

    try:
        value = app.consumer.highwater(tp)
    except (ConsumerNotStarted, AssertionError):  # not started yet, or tp not assigned (any more)
        return None
    return None if value is None else int(value)


# -- 7. the partitions assigned before the processor has read their positions ------------------
def assigned_partitions(app: faust.App) -> set[TP]:
    """The partitions faust's consumer holds now (empty before it runs).

    Why the processor asks: faust does not wait for the ``on_partitions_assigned``
    receivers before it fetches. ``App._on_partitions_assigned`` starts the table
    recovery (``TableManager.on_rebalance``) and only then sends the signal; the
    recovery runs in its own task and, when there is nothing to restore, resumes
    the partitions and starts the fetcher (``Recovery._resume_streams``) while the
    processor's receiver is still reading the group's committed offsets. Records
    can therefore reach the agent for a partition that is assigned here but not
    yet in the processor's ledger. Verified on 0.15.3.
    """
    from faust.exceptions import ConsumerNotStarted

    try:
        return set(app.consumer.assignment())
    except ConsumerNotStarted:
        return set()


# -- 8. leaving the group as a static member, on a clean stop -----------------------------------
def _leave_group_v3() -> tuple[type[Any], type[Any]]:
    """LeaveGroup v3 (KIP-345: members named by ``group.instance.id``), which aiokafka lacks."""
    from aiokafka.protocol.api import Request, RequestStruct, Response  # type: ignore[import-untyped]
    from aiokafka.protocol.types import (  # type: ignore[import-untyped]
        Array,
        Int16,
        Int32,
        Schema,
        String,
    )

    class LeaveGroupResponseV3(Response):  # type: ignore[misc]
        API_KEY = 13
        API_VERSION = 3
        SCHEMA = Schema(
            ("throttle_time_ms", Int32),
            ("error_code", Int16),
            (
                "members",
                Array(
                    ("member_id", String("utf-8")),
                    ("group_instance_id", String("utf-8")),
                    ("error_code", Int16),
                ),
            ),
        )

    class LeaveGroupRequestV3(RequestStruct):  # type: ignore[misc]
        API_KEY = 13
        API_VERSION = 3
        RESPONSE_TYPE = LeaveGroupResponseV3
        SCHEMA = Schema(
            ("group", String("utf-8")),
            (
                "members",
                Array(("member_id", String("utf-8")), ("group_instance_id", String("utf-8"))),
            ),
        )

    class RemoveStaticMembers(Request[LeaveGroupRequestV3]):  # type: ignore[misc]
        API_KEY = 13

        def __init__(self, group: str, instance_ids: Sequence[str]) -> None:
            self._group = group
            self._ids = list(instance_ids)

        def build(self, request_struct_class: type[LeaveGroupRequestV3]) -> LeaveGroupRequestV3:
            # member id "" (unknown): the broker finds the member by its instance id
            return request_struct_class(self._group, [("", i) for i in self._ids])

    return RemoveStaticMembers, LeaveGroupResponseV3


async def leave_group_as_static_member(admin: Any, group: str, instance_id: str) -> int:
    """Remove the static member ``instance_id`` from ``group`` now; returns Kafka's error code.

    Why: a static member (``group.instance.id``) sends no LeaveGroup when it
    stops (aiokafka's ``_maybe_leave_group`` skips it, as the Java client does),
    so it stays in the group until its session times out. That is what makes a
    killed worker's restart fast, but after a clean stop it made ``docketline
    rebuild`` refuse for the whole session ("the group has 1 active member").
    The Java admin client's ``removeMembersFromConsumerGroup`` does this with
    LeaveGroup v3+; aiokafka has only v0/v1, so the request is declared here and
    sent to the group's coordinator through the admin client's connection
    (``_send_request_to_node``, private). 0 = removed; 25
    (UNKNOWN_MEMBER_ID) = it was not a member. Verified on aiokafka 0.14.0
    against Kafka 4.1.
    """
    request_class, _ = _leave_group_v3()
    node = await admin.find_coordinator(group)
    response = await admin._send_request_to_node(node, request_class(group, [instance_id]))
    codes = [response.error_code] + [m[2] for m in response.members]
    return next((c for c in codes if c), 0)
