"""Pins for every item of services/processor/faust_compat.py (verified on faust-streaming 0.15.3).

Each test names the faust or aiokafka behaviour an item relies on; a release
that changes it fails here, with the item's name, before a fault test does.
Nothing connects to a broker: the app is built, never started. Where faust
hands over to aiokafka, a recorder stands in for aiokafka's client.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from faust.streams import current_event
from faust.types import TP

from services.processor import faust_compat
from services.processor.app import FETCH_MAX_WAIT_MS, Processor, build_processor
from services.settings import Settings


@pytest.fixture
def proc(tmp_path: Path) -> Iterator[Processor]:
    settings = Settings(bootstrap_servers="127.0.0.1:9", data_dir=tmp_path, topic_prefix="t.")
    processor = build_processor(settings)
    yield processor
    processor.table.data.reset_state()  # closes the partition databases


@dataclass
class _Message:
    partition: int
    topic: str = "t.docket.events"
    offset: int = 0


@dataclass
class _Event:
    message: _Message


def test_the_versions_verified_are_the_versions_installed() -> None:
    # a different release: re-run this file, re-read each item's reason, then update VERIFIED_ON
    assert {name: version(name) for name in faust_compat.VERIFIED_ON} == faust_compat.VERIFIED_ON


# -- 1. the fetch wait ------------------------------------------------------------------------
def test_the_worker_consumer_holds_an_empty_fetch_for_at_most_fetch_max_wait_ms(
    proc: Processor,
) -> None:
    config = asyncio.run(faust_compat.worker_consumer_config(proc.app))
    assert FETCH_MAX_WAIT_MS < 1500  # faust's hard-coded wait, the cause of ~1.2 s alert latency
    assert config["fetch_max_wait_ms"] == FETCH_MAX_WAIT_MS


def test_faust_still_hard_codes_the_fetch_wait_and_aiokafka_reads_it_at_start(
    proc: Processor,
) -> None:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    # faust: no setting yet (when one appears, use it and drop item 1)
    original = AIOKafkaConsumerThread._create_worker_consumer._docketline_original  # type: ignore[attr-defined]
    assert "fetch_max_wait_ms=1500" in inspect.getsource(original)
    assert not any("fetch_max_wait" in name for name in type(proc.app.conf).SETTINGS)
    # aiokafka: the attribute set on the unstarted consumer is what its fetcher gets
    assert "fetch_max_wait_ms=self._fetch_max_wait_ms" in inspect.getsource(AIOKafkaConsumer.start)


def test_installing_the_fetch_wait_twice_wraps_faust_once(proc: Processor) -> None:
    faust_compat.install_fetch_max_wait(7)
    try:
        assert asyncio.run(faust_compat.worker_consumer_config(proc.app))["fetch_max_wait_ms"] == 7
    finally:
        faust_compat.install_fetch_max_wait(FETCH_MAX_WAIT_MS)
    assert asyncio.run(faust_compat.worker_consumer_config(proc.app))["fetch_max_wait_ms"] == 100


# -- static membership (a public setting; pinned because recovery depends on it) ---------------
def test_faust_gives_aiokafka_the_static_member_id_and_the_session_settings(
    proc: Processor,
) -> None:
    config = asyncio.run(faust_compat.worker_consumer_config(proc.app))
    s = proc.settings
    assert config["group_instance_id"] == proc.app.conf.consumer_group_instance_id
    assert config["group_instance_id"], "a static member"
    assert config["session_timeout_ms"] == int(s.processor_session_timeout_s * 1000)
    assert config["heartbeat_interval_ms"] == int(s.processor_heartbeat_interval_s * 1000)
    assert config["group_id"] == proc.group


def test_aiokafka_sends_no_leave_group_for_a_static_member() -> None:
    # the trade-off in docs/operations.md: a worker stopped for good hands its partitions
    # over only after its session timeout, also after a clean SIGTERM
    from aiokafka.consumer.group_coordinator import GroupCoordinator

    assert "self._group_instance_id is None" in inspect.getsource(
        GroupCoordinator._maybe_leave_group
    )


# -- 2. the current event ---------------------------------------------------------------------
def test_the_rocksdb_store_reads_and_writes_the_partition_of_the_current_event(
    proc: Processor,
) -> None:
    on_partition_2, on_partition_1 = _Event(_Message(2)), _Event(_Message(1))
    faust_compat.enter_event(on_partition_2)
    assert current_event() is on_partition_2
    faust_compat.write_store(proc.table, b"case", b"state", on_partition_2)
    faust_compat.enter_event(on_partition_1)
    assert proc.table.get(b"case") is None, "a read looks in the current event's partition only"
    faust_compat.enter_event(on_partition_2)
    assert proc.table.get(b"case") == b"state"


# -- 4. the store without its changelog, and the persisted offset --------------------------------
def test_writing_the_store_sends_no_changelog_record_and_the_table_would(
    proc: Processor, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_keys: list[Any] = []
    monkeypatch.setattr(proc.table, "on_key_set", lambda key, value: set_keys.append(key))
    event = _Event(_Message(0))
    faust_compat.write_store(proc.table, b"k", b"v", event)
    assert set_keys == [], "table.data[key] = value must not send a changelog record"
    proc.table[b"k2"] = b"v2"  # what faust's table does: queue the changelog record
    assert set_keys == [b"k2"]


def test_the_persisted_changelog_offset_round_trips_and_is_what_faust_itself_records(
    proc: Processor,
) -> None:
    tp = TP("t.case.states", 3)
    assert faust_compat.changelog_offset(proc.table, tp) is None
    faust_compat.record_changelog_offset(proc.table, tp, 41)
    assert faust_compat.changelog_offset(proc.table, tp) == 41
    assert faust_compat.changelog_offset(proc.table, TP("t.case.states", 2)) is None
    # faust's own changelog callback, which the processor's sends bypass, records the same
    from faust.tables.base import Collection

    assert "set_persisted_offset" in inspect.getsource(Collection._on_changelog_sent)


# -- 3. commit -----------------------------------------------------------------------------------
class _RecordingAioKafkaConsumer:
    def __init__(self, assigned: set[Any]) -> None:
        self.assigned = assigned
        self.commits: list[dict[Any, Any]] = []

    def assignment(self) -> set[Any]:
        return self.assigned

    async def commit(self, offsets: dict[Any, Any]) -> None:
        self.commits.append(offsets)


def test_commit_passes_the_offsets_as_given_for_the_assigned_partitions(proc: Processor) -> None:
    from aiokafka import TopicPartition

    thread: Any = proc.app.consumer._thread  # type: ignore[attr-defined]
    recorder = _RecordingAioKafkaConsumer({TopicPartition("t.docket.events", 0)})
    thread._consumer = recorder
    # faust_compat.commit_offsets -> Consumer._commit -> the consumer thread's _commit (run in
    # that thread, which is not started here: called directly)
    from faust.transport.consumer import ThreadDelegateConsumer

    assert "self._thread.commit(offsets)" in inspect.getsource(ThreadDelegateConsumer._commit)
    assert inspect.iscoroutinefunction(proc.app.consumer._commit)  # type: ignore[attr-defined]
    offsets = {TP("t.docket.events", 0): 17, TP("t.docket.events", 1): 5}
    assert asyncio.run(thread._commit(offsets)) is True
    assert len(recorder.commits) == 1
    ((tp, meta),) = recorder.commits[0].items()
    assert (tp.topic, tp.partition, meta.offset) == ("t.docket.events", 0, 17), (
        "the next offset to read, no +1; an unassigned partition is left out"
    )


def test_the_events_topic_has_faust_acks_off_so_faust_commits_none_of_its_offsets(
    proc: Processor,
) -> None:
    from faust.transport.conductor import Conductor
    from faust.transport.consumer import Consumer

    assert proc.topics.events.acks is False and proc.topics.states.acks is True
    # the conductor books a topic as acking only when its channel has acks on, and the
    # consumer's ack (which moves the offset faust would commit) skips the others
    assert "if channel.acks:" in inspect.getsource(Conductor._update_indices)
    assert "acks_enabled_for(message.topic)" in inspect.getsource(Consumer.ack)


# -- 5. send -------------------------------------------------------------------------------------
class _RecordingAioKafkaProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []

    async def send(self, topic: str, value: bytes, **kwargs: Any) -> asyncio.Future[str]:
        self.sent.append((topic, value, kwargs))
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_result("metadata")
        return future


def test_send_hands_the_record_to_aiokafka_and_returns_its_future(proc: Processor) -> None:
    producer: Any = proc.app.producer
    recorder = _RecordingAioKafkaProducer()
    producer._producer = recorder

    async def go() -> Any:
        future = await faust_compat.send(
            proc.app, "t.case.alerts", b"k", b"v", 2, headers=[("h", b"1")]
        )
        return await future

    assert asyncio.run(go()) == "metadata"
    ((topic, value, kwargs),) = recorder.sent
    assert (topic, value) == ("t.case.alerts", b"v")
    assert kwargs["key"] == b"k" and kwargs["partition"] == 2
    assert kwargs["headers"] == [("h", b"1")] and kwargs["timestamp_ms"] is None


# -- 6. seek and the high-water mark ---------------------------------------------------------------
def test_seek_wait_runs_the_seek_in_the_consumer_thread() -> None:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    assert "call_thread" in inspect.getsource(AIOKafkaConsumerThread.seek_wait)


def test_the_high_water_mark_is_none_before_the_consumer_runs(proc: Processor) -> None:
    assert faust_compat.highwater(proc.app, TP("t.docket.events", 0)) is None


# -- 10. the partitions assigned ---------------------------------------------------------------
def test_faust_fetches_without_waiting_for_the_partitions_assigned_receivers(
    proc: Processor,
) -> None:
    from faust.app.base import App
    from faust.tables.recovery import Recovery

    # the receivers get the signal after the recovery has been started ...
    assign = inspect.getsource(App._on_partitions_assigned)
    assert assign.index("self.tables.on_rebalance") < assign.index(
        "self.on_partitions_assigned.send"
    )
    # ... and the recovery resumes the partitions and starts the fetcher on its own
    resume = inspect.getsource(Recovery._resume_streams)
    assert "resume_partitions" in resume and "_fetcher.maybe_start" in resume
    # so the agent asks the consumer what is assigned (nothing before it runs)
    assert faust_compat.assigned_partitions(proc.app) == set()
