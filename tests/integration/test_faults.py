"""Event-sourcing guarantees under faults, against the real broker.

Each test ends with the consistency checker: the live projections equal a fold
of the acknowledged log, and every expected alert id is on case.alerts.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest

from schemas.codec import encode_event
from schemas.events import EVENT_SCHEMA_VERSION
from services.consistency.check import check, report_lines
from services.kafka.topics import ensure_app_topics
from services.settings import Settings
from tests.kafka_util import produce_many, wait_caught_up
from tests.procs import kill, running, service_env
from tests.workload import workload

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]


def _settings(bootstrap: str, prefix: str, tmp: Path) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp, partitions=4)


async def _assert_consistent(s: Settings, label: str) -> None:
    report = await check(s)
    print(f"[{label}]", *report_lines(report), sep="\n  ")
    assert report.ok, report_lines(report)
    assert report.alerts_expected > 0


async def test_sigkill_the_processor_repeatedly_loses_and_doubles_nothing(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    records = workload(3000, seed=11)
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce_many(kafka_bootstrap, s.topic_events, records)
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    rng = random.Random(5)
    kills = 0
    started = time.monotonic()
    for life in range(4):
        with running(["worker", "-l", "warn"], env, tmp_path / f"worker-{life}.log") as proc:
            await asyncio.sleep(rng.uniform(6.0, 12.0))  # startup + some processing
            kill(proc)  # SIGKILL: no shutdown, no final commit
            kills += 1
    with running(["worker", "-l", "warn"], env, tmp_path / "worker-final.log"):
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=600
        )
    print(
        f"events {len(records)}, SIGKILLs {kills}, restarts {kills}, {time.monotonic() - started:.0f}s"
    )
    await _assert_consistent(s, "sigkill")


async def test_same_events_twice_and_shuffled_within_and_across_cases(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    records = workload(400, seed=3)
    shuffled = records[:]
    random.Random(9).shuffle(shuffled)
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce_many(kafka_bootstrap, s.topic_events, records + shuffled)
    with running(
        ["worker", "-l", "warn"],
        service_env(kafka_bootstrap, unique_prefix, tmp_path),
        tmp_path / "w.log",
    ):
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=400
        )
    await _assert_consistent(s, "twice+shuffled")


async def test_poison_records_are_dead_lettered_and_processing_continues(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    from tests.kafka_util import read_all
    from tests.unit.core_builders import complaint

    good = workload(200, seed=4)
    key = good[0][0]
    base = encode_event(complaint())
    ref = complaint().subject.encode()
    missing_date = base.replace(b'#1","date_filed":"2025-01-21",', b'#1",', 1)
    future_version = base.replace(
        b'"schema_version":%d' % EVENT_SCHEMA_VERSION, b'"schema_version":7'
    )
    assert missing_date != base and future_version != base
    poison: list[tuple[bytes | None, bytes | None]] = [
        (key, b"{invalid json"),
        (ref, future_version),
        (ref, missing_date),
        (None, base),
        (key, b'{"type":"docket.entry","data":' + b"[" * 5000 + b"]" * 5000 + b"}"),
        (key, b'{"id":"\xff\xfe invalid utf-8"}'),
        (key, b'{"id":"\\ud800 lone surrogate"}'),
        (key, b'"' + b"x" * 1_000_200 + b'"'),
        (key, None),
    ]
    mixed: list[tuple[bytes | None, bytes | None]] = []
    for i, rec in enumerate(good):
        mixed.append(rec)
        if i % 20 == 0 and poison:
            mixed.append(poison.pop(0))
    assert not poison
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce_many(kafka_bootstrap, s.topic_events, mixed)
    with running(
        ["worker", "-l", "warn"],
        service_env(kafka_bootstrap, unique_prefix, tmp_path),
        tmp_path / "w.log",
    ):
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=400
        )
    import orjson

    dlq = [orjson.loads(r.value) for r in await read_all(kafka_bootstrap, s.topic_dlq)]
    reasons = sorted(d["reason"] for d in dlq)
    print("dead letters:", reasons)
    assert reasons == sorted(["invalid_event"] * 6 + ["missing_key", "oversized", "empty_value"])
    by_reason = {d["reason"]: d for d in dlq}
    assert by_reason["oversized"]["value_b64"], "the raw bytes of the oversized record are kept"
    await _assert_consistent(s, "poison")
