"""The worker after a SIGKILL (static group membership) and its Prometheus endpoint, on the real broker.

The worker runs as ``docketline worker --no-supervise`` (the test restarts it
itself, at once, with the same data dir: the same static member id).
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from schemas.codec import encode_event
from services.consistency.check import check, report_lines
from services.kafka import clients
from services.kafka.topics import ensure_app_topics
from services.kafka_local.config import pick_free_ports
from services.processor.app import group_instance_id
from services.settings import Settings
from tests.kafka_util import kafka_settings, produce, produce_many, read_all, wait_caught_up
from tests.procs import kill, running, service_env, stop
from tests.unit.core_builders import REF_ID, complaint, dismissal
from tests.workload import workload

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(600)]

WORKER = ["worker", "-l", "info", "--no-supervise"]


def _settings(bootstrap: str, prefix: str, tmp: Path) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp, partitions=4)


def _group(s: Settings) -> str:
    return f"{s.topic_prefix}{s.processor_app_id}"


async def _member_ids(bootstrap: str, group: str) -> list[str]:
    admin = clients.admin(kafka_settings(bootstrap))
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        members = response.groups[0][5]
        return sorted(str(m[0]) for m in members)
    finally:
        await admin.close()


def _generations(log: Path) -> list[int]:
    """The generations aiokafka joined the group at, in the order of the worker's log."""
    text = log.read_text(errors="replace")
    return [int(g) for g in re.findall(r"Joined group .*?\(generation (\d+)\)", text)]


async def _wait_for_alert(consumer: AIOKafkaConsumer, cause: str, timeout: float) -> list[Any]:
    """Read ``case.alerts`` on from where ``consumer`` is until an alert caused by ``cause`` arrives."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for records in (await consumer.getmany(timeout_ms=100)).values():
            for rec in records:
                seen.append(orjson.loads(rec.value))
                if seen[-1]["data"]["cause_event_id"] == cause:
                    return seen
    raise AssertionError(f"no alert caused by {cause} within {timeout}s; saw {seen}")


async def test_a_sigkilled_worker_restarted_at_once_resumes_its_partitions_and_alerts(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce_many(kafka_bootstrap, s.topic_events, workload(300, seed=21))
    await produce(kafka_bootstrap, s.topic_events, [(REF_ID.encode(), encode_event(complaint()))])
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    instance = group_instance_id(s)
    cause = dismissal()
    alerts = clients.consumer(s, enable_auto_commit=False)
    await alerts.start()
    try:
        with running(WORKER, env, tmp_path / "worker-1.log") as first:
            await wait_caught_up(kafka_bootstrap, _group(s), s.topic_events, timeout=180)
            before = await _member_ids(kafka_bootstrap, _group(s))
            kill(first)  # SIGKILL: no commit, no leave-group
        # the case's dismissal is produced while no worker runs: its alert is what we wait for
        await produce(kafka_bootstrap, s.topic_events, [(REF_ID.encode(), encode_event(cause))])
        tps = [TopicPartition(s.topic_alerts, p) for p in range(s.partitions)]
        alerts.assign(tps)
        await alerts.seek_to_end(*tps)
        for tp in tps:
            await alerts.position(tp)  # resolve the end now, before the restart
        restarted = time.monotonic()
        with running(WORKER, env, tmp_path / "worker-2.log"):
            seen = await _wait_for_alert(alerts, cause.id, timeout=300)
            took = time.monotonic() - restarted
            print(f"SIGKILL + immediate restart: restart -> alert on case.alerts {took:.1f}s")
            after = await _member_ids(kafka_bootstrap, _group(s))
            await wait_caught_up(kafka_bootstrap, _group(s), s.topic_events, timeout=180)
    finally:
        await alerts.stop()
    # static membership: one member both times, named by the worker's instance id; the
    # restarted worker took its place back at the same generation (no rebalance)
    assert len(before) == len(after) == 1 and before != after
    assert before[0].startswith(f"{instance}-") and after[0].startswith(f"{instance}-")
    first_gens, second_gens = (
        _generations(tmp_path / "worker-1.log"),
        _generations(tmp_path / "worker-2.log"),
    )
    assert first_gens and second_gens == first_gens[-1:], (first_gens, second_gens)
    assert [a["data"]["cause_event_id"] for a in seen].count(cause.id) == 1
    report = await check(s)
    print(*report_lines(report), sep="\n  ")
    assert report.ok, report_lines(report)  # 0 lost, 0 doubled, every expected alert present
    on_topic = [orjson.loads(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [a["data"]["cause_event_id"] for a in on_topic].count(cause.id) == 1


async def test_a_cleanly_stopped_worker_leaves_the_group_at_once(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """A static member sends no LeaveGroup of its own: without the worker's own leave on a
    clean stop it stayed a member for its whole session (30 s), and ``docketline rebuild``
    refused to run meanwhile."""
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce(kafka_bootstrap, s.topic_events, [(REF_ID.encode(), encode_event(complaint()))])
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    with running(WORKER, env, tmp_path / "worker.log") as proc:
        await wait_caught_up(kafka_bootstrap, _group(s), s.topic_events, timeout=180)
        assert len(await _member_ids(kafka_bootstrap, _group(s))) == 1
        stop(proc)  # SIGTERM: a clean stop
        assert proc.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]
        assert await _member_ids(kafka_bootstrap, _group(s)) == []
    assert f"as static member {group_instance_id(s)}" in (tmp_path / "worker.log").read_text()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_the_worker_serves_its_metrics_on_the_port_from_settings(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    good = workload(120, seed=8)
    poison: list[tuple[bytes | None, bytes | None]] = [(good[0][0], b"{not json"), (None, b"{}")]
    await produce_many(kafka_bootstrap, s.topic_events, good + poison)
    (port,) = pick_free_ports(1)
    env = service_env(
        kafka_bootstrap, unique_prefix, tmp_path, DOCKETLINE_PROCESSOR_METRICS_PORT=str(port)
    )
    with running(WORKER, env, tmp_path / "worker.log"):
        await wait_caught_up(kafka_bootstrap, _group(s), s.topic_events, timeout=180)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 10  # the lag gauges refresh every second
            while True:
                text = (await client.get("/metrics")).text
                samples = _samples(text)
                lags = {
                    labels: v
                    for (name, labels), v in samples.items()
                    if name == "docketline_processor_lag_records"
                }
                if (lags and not any(lags.values())) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    events = "docketline_processor_events_total"
    folded = value(events, outcome="applied") + value(events, outcome="unchanged")
    assert folded == len(good), text
    assert value(events, outcome="dead_lettered") == len(poison)
    assert value("docketline_processor_dead_letters_total", reason="invalid_event") == 1
    assert value("docketline_processor_dead_letters_total", reason="missing_key") == 1
    alerts = await read_all(kafka_bootstrap, s.topic_alerts)
    assert value("docketline_processor_alerts_total") == len(alerts) > 0
    assert value("docketline_processor_batch_size_sum") == len(good) + len(poison)
    batches = value("docketline_processor_batch_size_count")
    assert batches >= 1
    assert value("docketline_processor_fold_seconds_count") == batches
    assert value("docketline_processor_write_seconds_count") == batches
    assert value("docketline_processor_commit_seconds_count") >= 1
    assert value("docketline_processor_assigned_partitions") == s.partitions
    assert sorted(lags) == [(("partition", str(p)),) for p in range(s.partitions)]
    assert not any(lags.values()), f"caught up, but the lag gauges say {lags}"
    committed = sum(
        v for (name, _), v in samples.items() if name == "docketline_processor_committed_offset"
    )
    assert committed == len(good) + len(poison), "the committed offsets add up to every record"
