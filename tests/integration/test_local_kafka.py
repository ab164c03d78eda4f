"""The local broker manager against real Kafka JVMs: side by side, restart, crash, CLI.

These tests start their own brokers (the restart and crash cases are about
the broker's lifecycle, so the session broker is not enough) and stop every
one of them in teardown, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.kafka import clients
from services.kafka.admin import TopicSpec, cluster_id, ensure_topics
from services.kafka_local import BrokerNotReadyError, BrokerStartError, LocalKafka
from services.kafka_local.config import DataDirLayout, read_state
from tests.kafka_util import kafka_settings

pytestmark = pytest.mark.kafka

DOCKETLINE = str(Path(sys.executable).with_name("docketline"))
# Generous, as in conftest: a loaded 2-core machine can take over a minute to start a broker.
KAFKA_READY_TIMEOUT = 180.0
BOOTSTRAP = re.compile(r"^127\.0\.0\.1:\d{1,5}$")


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[LocalKafka]:
    """A manager whose brokers (any data dir under tmp_path) are all stopped at teardown."""
    kafka = LocalKafka(ready_timeout=KAFKA_READY_TIMEOUT)
    yield kafka
    for layout_dir in sorted(p.parent for p in tmp_path.rglob("server.properties")):
        kafka.stop(layout_dir)


def _pid_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


async def test_two_brokers_run_side_by_side_each_answering_as_its_own_cluster(
    manager: LocalKafka, tmp_path: Path
) -> None:
    a = manager.start(port=0, data_dir=tmp_path / "a")
    b = manager.start(port=0, data_dir=tmp_path / "b")
    assert a != b and BOOTSTRAP.match(a) and BOOTSTRAP.match(b)

    state_a, state_b = (
        read_state(DataDirLayout(tmp_path / "a")),
        read_state(DataDirLayout(tmp_path / "b")),
    )
    assert state_a is not None and state_b is not None
    assert await cluster_id(kafka_settings(a)) == state_a.cluster_id
    assert await cluster_id(kafka_settings(b)) == state_b.cluster_id
    assert state_a.cluster_id != state_b.cluster_id

    status = manager.status(tmp_path / "a")
    assert (status.running, status.pid, status.bootstrap) == (True, state_a.pid, a)
    assert manager.start(port=0, data_dir=tmp_path / "a") == a, "already running: same broker"
    assert manager.status(tmp_path / "a").pid == state_a.pid

    assert manager.stop(tmp_path / "a") is True
    assert _pid_gone(state_a.pid), "SIGTERM'd broker still exists"
    assert not manager.status(tmp_path / "a").running
    assert manager.status(tmp_path / "b").running, "stopping a must not touch b"
    assert await cluster_id(kafka_settings(b)) == state_b.cluster_id
    assert manager.stop(tmp_path / "a") is False, "stop is idempotent"


async def test_restart_keeps_the_cluster_its_topics_and_their_records(
    manager: LocalKafka, tmp_path: Path, unique_prefix: str
) -> None:
    data = tmp_path / "k"
    topic = f"{unique_prefix}kept"
    before = manager.start(port=0, data_dir=data)
    cluster_before = await cluster_id(kafka_settings(before))
    await ensure_topics(kafka_settings(before), [TopicSpec(topic, 3)])
    producer = clients.producer(kafka_settings(before), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"survives a restart", key=b"cand:5:25-cv-00709")
    finally:
        await producer.stop()
    meta_before = DataDirLayout(data).meta_properties.read_text()

    assert manager.stop(data) is True
    after = manager.start(port=0, data_dir=data)

    assert DataDirLayout(data).meta_properties.read_text() == meta_before, (
        "storage was re-formatted"
    )
    assert await cluster_id(kafka_settings(after)) == cluster_before
    consumer = clients.consumer(
        kafka_settings(after), topic, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        assert len(consumer.partitions_for_topic(topic) or ()) == 3
        deadline = time.monotonic() + 60
        while not values and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            values = [r.value for records in batch.values() for r in records]
    finally:
        await consumer.stop()
    assert values == [b"survives a restart"], f"read within 60 s after restart: {values}"


async def test_a_crashed_broker_leaves_stale_files_that_the_next_start_clears(
    manager: LocalKafka, tmp_path: Path
) -> None:
    data = tmp_path / "k"
    manager.start(port=0, data_dir=data)
    crashed = manager.status(data).pid
    assert crashed is not None
    os.kill(crashed, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while manager.status(data).running and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not manager.status(data).running, f"pid {crashed} still running 10 s after SIGKILL"
    assert DataDirLayout(data).state_file.exists(), "the crash left its state file"

    again = manager.start(port=0, data_dir=data)
    assert await cluster_id(kafka_settings(again)) == read_state(DataDirLayout(data)).cluster_id  # type: ignore[union-attr]
    assert manager.status(data).pid != crashed


def test_a_broker_that_dies_while_starting_is_reported_with_its_log(
    manager: LocalKafka, tmp_path: Path
) -> None:
    data = tmp_path / "k"
    manager.start(port=0, data_dir=data)
    manager.stop(data)
    meta = DataDirLayout(data).meta_properties
    meta.write_text(meta.read_text().replace("node.id=1", "node.id=2"))  # Kafka refuses this

    with pytest.raises(BrokerStartError, match="exited with code") as raised:
        manager.start(port=0, data_dir=data)
    assert "Stored node id 2 doesn't match previous node id 1" in str(raised.value)
    assert not manager.status(data).running
    assert not DataDirLayout(data).state_file.exists()


def test_a_broker_not_ready_in_time_is_stopped_and_reported_with_its_log(tmp_path: Path) -> None:
    impatient = LocalKafka(ready_timeout=0.0)
    data = tmp_path / "k"
    with pytest.raises(BrokerNotReadyError, match="no metadata answer") as raised:
        impatient.start(port=0, data_dir=data)
    assert "last lines of" in str(raised.value) and "# docketline:" in str(raised.value)
    assert not impatient.status(data).running
    assert not DataDirLayout(data).state_file.exists()


def test_an_explicit_port_in_use_is_refused_before_starting_anything(
    manager: LocalKafka, tmp_path: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(BrokerStartError, match="already in use"):
            manager.start(port=taken.getsockname()[1], data_dir=tmp_path / "k")
    assert not manager.status(tmp_path / "k").running
    assert not DataDirLayout(tmp_path / "k").state_file.exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKETLINE, "kafka", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


async def test_cli_start_prints_the_bootstrap_last_then_status_and_stop(tmp_path: Path) -> None:
    data = tmp_path / "cli"
    try:
        started = _cli(
            "start", "--port", "0", "--data-dir", str(data), "--timeout", str(KAFKA_READY_TIMEOUT)
        )
        seen = f"stdout:\n{started.stdout}\nstderr:\n{started.stderr}"
        assert started.returncode == 0, seen
        bootstrap = started.stdout.strip().splitlines()[-1]
        assert BOOTSTRAP.match(bootstrap), seen
        assert await cluster_id(kafka_settings(bootstrap))

        again = _cli("start", "--port", "0", "--data-dir", str(data))
        assert again.returncode == 0 and "already running" in again.stdout, again.stdout
        assert again.stdout.strip().splitlines()[-1] == bootstrap

        status = _cli("status", "--data-dir", str(data))
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.strip().splitlines()[-1] == bootstrap

        stopped = _cli("stop", "--data-dir", str(data))
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        after = _cli("status", "--data-dir", str(data))
        assert after.returncode == 1 and "not running" in after.stdout, after.stdout
        assert _cli("stop", "--data-dir", str(data)).returncode == 0, "stop is idempotent"
    finally:
        LocalKafka().stop(data)
