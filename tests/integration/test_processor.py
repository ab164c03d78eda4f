"""The processor against the real broker, run as `docketline worker` like a user runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from schemas.codec import decode_alert, decode_snapshot, encode_event
from services.kafka.topics import ensure_app_topics
from services.settings import Settings
from tests.kafka_util import produce, read_all, wait_caught_up
from tests.procs import running, service_env
from tests.unit.core_builders import REF_ID, complaint, dismissal

pytestmark = pytest.mark.kafka


def _settings(bootstrap: str, prefix: str, tmp: Path) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp, partitions=4)


async def _run(
    bootstrap: str,
    prefix: str,
    tmp: Path,
    batches: list[list[tuple[bytes | None, bytes | None]]],
    after_each: list[int] | None = None,
) -> Settings:
    """Start a worker, produce each batch and wait until the worker has handled it.

    ``after_each`` collects the number of records on case.states after each batch.
    """
    s = _settings(bootstrap, prefix, tmp)
    await ensure_app_topics(s)
    with running(["worker", "-l", "warn"], service_env(bootstrap, prefix, tmp), tmp / "worker.log"):
        for batch in batches:
            await produce(bootstrap, s.topic_events, batch)
            await wait_caught_up(
                bootstrap, f"{prefix}{s.processor_app_id}", s.topic_events, timeout=120
            )
            if after_each is not None:
                after_each.append(len(await read_all(bootstrap, s.topic_states)))
    return s


def _ref(events: list) -> list[tuple[bytes | None, bytes | None]]:
    return [(REF_ID.encode(), encode_event(e)) for e in events]


async def test_reference_case_yields_exactly_one_open_to_closed_alert_and_replays_change_nothing(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    first = _ref([complaint(), dismissal()])
    snapshots: list[int] = []
    s = await _run(
        kafka_bootstrap, unique_prefix, tmp_path, [first, first], snapshots
    )  # the same file twice
    assert snapshots[0] >= 1 and snapshots[1] == snapshots[0], (
        "the replayed file must not write new states"
    )

    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [(a.subject, a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        (REF_ID, "status.changed", "open", "closed")
    ]
    d = alerts[0].data.disposition
    assert d is not None and (d.type, d.prejudice, d.date.isoformat()) == (
        "voluntary_dismissal",
        "without",
        "2025-01-30",
    )

    states = [decode_snapshot(r.value) for r in await read_all(kafka_bootstrap, s.topic_states)]
    final = states[-1]
    assert final.status == "closed"
    assert [(h.status, h.date.isoformat()) for h in final.status_history] == [
        ("open", "2025-01-21"),
        ("closed", "2025-01-30"),
    ]
    assert await read_all(kafka_bootstrap, s.topic_dlq) == []


async def test_reverse_order_gives_the_same_projection_and_alert(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    fwd = await _run(
        kafka_bootstrap, unique_prefix + "f.", tmp_path / "f", [_ref([complaint(), dismissal()])]
    )
    rev = await _run(
        kafka_bootstrap, unique_prefix + "r.", tmp_path / "r", [_ref([dismissal(), complaint()])]
    )
    fwd_states = await read_all(kafka_bootstrap, fwd.topic_states)
    rev_states = await read_all(kafka_bootstrap, rev.topic_states)
    assert rev_states[-1].value == fwd_states[-1].value
    fwd_alerts = [
        decode_alert(r.value).id for r in await read_all(kafka_bootstrap, fwd.topic_alerts)
    ]
    rev_alerts = [
        decode_alert(r.value).id for r in await read_all(kafka_bootstrap, rev.topic_alerts)
    ]
    assert fwd_alerts == rev_alerts and len(fwd_alerts) == 1


async def test_malformed_records_land_on_the_dead_letter_topic_and_processing_continues(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    good = encode_event(dismissal())
    missing_case = orjson.loads(encode_event(complaint()))
    del missing_case["data"]["case"]
    bad: list[tuple[bytes | None, bytes | None]] = [
        (REF_ID.encode(), b"{this is not json"),
        (REF_ID.encode(), b'{"type": "case.exploded", "id": "x"}'),
        (None, good),  # no key: no case id
        (REF_ID.encode(), orjson.dumps(missing_case)),
        (b"cand:1:99-cv-00001", good),  # key and subject disagree
    ]
    s = await _run(
        kafka_bootstrap,
        unique_prefix,
        tmp_path,
        [[(REF_ID.encode(), encode_event(complaint())), *bad, (REF_ID.encode(), good)]],
    )
    dlq = [orjson.loads(r.value) for r in await read_all(kafka_bootstrap, s.topic_dlq)]
    assert sorted(d["reason"] for d in dlq) == sorted(
        ["invalid_event", "invalid_event", "missing_key", "invalid_event", "key_mismatch"]
    )
    for d in dlq:
        assert d["topic"] == s.topic_events and d["value_b64"] and d["error"]
        assert isinstance(d["partition"], int) and isinstance(d["offset"], int)
    states = [decode_snapshot(r.value) for r in await read_all(kafka_bootstrap, s.topic_states)]
    assert states[-1].status == "closed", "the good record after the bad ones was processed"


async def test_worker_restart_recovers_its_table_and_does_not_realert(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    await _run(kafka_bootstrap, unique_prefix, tmp_path, [_ref([complaint(), dismissal()])])
    # a second worker life on the same data dir sees the same events again (a replay)
    s = await _run(kafka_bootstrap, unique_prefix, tmp_path, [_ref([dismissal(), complaint()])])
    alerts = await read_all(kafka_bootstrap, s.topic_alerts)
    assert len(alerts) == 1
    await asyncio.sleep(0)


def oversized_case_records() -> tuple[
    list[tuple[bytes | None, bytes | None]], list[tuple[bytes | None, bytes | None]], str
]:
    """20 events of the reference case whose state is ~17.6 MB, and one event of another case on its partition.

    A state's size comes from its entries (~360 bytes each, ~46k entries reach 16 MiB) and its
    header's union of parties; the parties get there with 20 events instead of 46k (folding 46k
    entries one by one takes the worker many minutes).
    """
    from aiokafka.partitioner import DefaultPartitioner  # type: ignore[import-untyped]

    from schemas.events import CaseInfo
    from tests.unit.core_builders import ANSWER, REF_CASE, event

    def partition_of(key: str) -> int:
        return int(DefaultPartitioner()(key.encode(), [0, 1, 2, 3], [0, 1, 2, 3]))

    big: list[tuple[bytes | None, bytes | None]] = []
    for i in range(20):
        case = REF_CASE.model_copy(
            update={"parties": tuple(f"Party {i:02d}-{j:06d} LLC" for j in range(40_000))}
        )
        big.append(
            (
                REF_ID.encode(),
                encode_event(event(i + 1, "2025-01-21", f"entry {i}", ANSWER, case=case)),
            )
        )
    number = next(
        f"5:25-cv-{n:05d}"
        for n in range(1, 1000)
        if partition_of(f"cand:5:25-cv-{n:05d}") == partition_of(REF_ID)
    )
    other = CaseInfo(court_id="cand", docket_number=number, case_name="Other v. Case")
    other_id = f"cand:{number}"
    after = [
        (other_id.encode(), encode_event(event(1, "2025-01-22", "COMPLAINT", ANSWER, case=other)))
    ]
    return big, after, other_id


async def test_a_case_whose_state_exceeds_the_message_size_is_written_and_its_partition_goes_on(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """A state larger than the topic's max.message.bytes (16 MiB) uncompressed (the rebuild: test_rebuild.py).

    Before compression the producer refused the 17.6 MB state (MessageSizeTooLargeError), the
    batch was retried forever and the other case of the partition never got its state.
    """
    from schemas.codec import decode_event, encode_memory, encode_snapshot
    from services.consistency.check import check, report_lines
    from services.core.evolve import project, snapshot
    from services.kafka.topics import MAX_MESSAGE_BYTES

    big, after, other_id = oversized_case_records()
    state = project(decode_event(v) for _, v in big)
    assert state is not None
    expected = {"memory": encode_memory(state), "snapshot": encode_snapshot(snapshot(state))}
    assert min(len(raw) for raw in expected.values()) > MAX_MESSAGE_BYTES

    s = await _run(
        kafka_bootstrap, unique_prefix, tmp_path, [big, after]
    )  # waits until all is committed
    for kind, topic in (("snapshot", s.topic_states), ("memory", s.topic_memory)):
        latest = {
            r.key.decode(): r.value for r in await read_all(kafka_bootstrap, topic, timeout=60)
        }
        assert latest[REF_ID] == expected[kind], f"the big {kind}, byte for byte the fold's"
        assert other_id in latest, "the partition went on after the big case"
    report = await check(s)
    print(*report_lines(report), sep="\n  ")
    assert report.ok, report_lines(report)


async def test_a_worker_refuses_case_states_of_the_old_processor_until_a_rebuild(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """Snapshots on case.states and no private memory: a log of the processor before the memory
    (case.states v1). Folding on would start every case from an empty memory."""
    import subprocess

    from tests.procs import DOCKETLINE

    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    fixture = Path(__file__).parents[1] / "fixtures" / "states" / "v1" / "cacd_amended.json"
    old = fixture.read_bytes()
    await produce(kafka_bootstrap, s.topic_states, [(orjson.loads(old)["case_id"].encode(), old)])
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    done = subprocess.run(
        [DOCKETLINE, "worker", "--no-supervise"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "run `docketline rebuild` once" in done.stderr
    assert "Traceback" not in done.stderr
    # the supervised worker (the default) refuses at once too, instead of restarting
    supervised = subprocess.run(
        [DOCKETLINE, "worker"], env=env, capture_output=True, text=True, timeout=120
    )
    assert supervised.returncode == 2 and "docketline rebuild" in supervised.stderr
