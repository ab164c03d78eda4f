"""The rebuild's fold shortcuts give exactly what ``evolve`` event by event gives.

:class:`LogFold` derives a case's acknowledged events once instead of after
every event, and :class:`FoldResult` merges folds of partition shares done in
other processes. Both must leave every byte of every projection, and every
alert of unacknowledged records, as the plain fold makes them (and the
fold's decoder must accept and reject records exactly as the processor's):
checked on the
bench's realistic workload (stubs and full-text versions, strikes, reopenings,
header variants) in log order, shuffled, and with redeliveries.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError  # type: ignore[import-untyped]

from bench import workload
from schemas.alerts import Alert
from schemas.codec import decode_event, encode
from schemas.projection import CaseState
from services.core.detect import detect
from services.core.evolve import evolve
from services.processor.step import MAX_RECORD_BYTES, RecordRejected, decode_record
from services.rebuild.fold_worker import FoldJob
from services.rebuild.plan import (
    REBUILD_SOURCE,
    FoldResult,
    LogFold,
    RecordDecoder,
    StateSummary,
    describe,
    status_differs,
)
from services.rebuild.run import Options, fold_in_child, fold_jobs, share_partitions
from services.settings import Settings

Record = tuple[bytes, bytes]


@pytest.fixture(scope="module")
def log() -> list[Record]:
    return list(workload.iter_records(40, seed=11))


def _orders(records: list[Record]) -> dict[str, list[Record]]:
    rng = random.Random(5)
    shuffled = records[:]
    rng.shuffle(shuffled)
    redelivered = records + rng.sample(records, len(records) // 5)
    rng.shuffle(redelivered)
    return {
        "log order": records,
        "reversed": records[::-1],
        "shuffled": shuffled,
        "with redeliveries": redelivered,
    }


def _reference(
    records: list[Record], committed: int
) -> tuple[dict[str, CaseState], dict[str, CaseState], list[Alert]]:
    """The plain fold: ``evolve`` per event; ``detect`` for records at or past ``committed``."""
    states: dict[str, CaseState] = {}
    acked: dict[str, CaseState] = {}
    alerts: list[Alert] = []
    for offset, (_, value) in enumerate(records):
        event = decode_event(value)
        old = states.get(event.subject)
        new = evolve(old, event)
        if new is old:
            continue
        states[event.subject] = new
        if offset < committed:
            acked[event.subject] = new
        else:
            alerts += [
                a.model_copy(update={"source": REBUILD_SOURCE}) for a in detect(old, new, event)
            ]
    return states, acked, alerts


def _fold(records: list[Record], committed: int) -> LogFold:
    fold = LogFold(committed={0: committed})
    for offset, (key, value) in enumerate(records):
        fold.add("docket.events", 0, offset, key, value)
    return fold


def _bytes(states: dict[str, CaseState]) -> dict[str, bytes]:
    return {c: encode(s) for c, s in states.items()}


@pytest.mark.parametrize("order", ["log order", "reversed", "shuffled", "with redeliveries"])
@pytest.mark.parametrize("share_acked", [1.0, 0.5, 0.0])
def test_the_fold_gives_the_bytes_and_alerts_of_evolve_event_by_event(
    log: list[Record], order: str, share_acked: float
) -> None:
    records = _orders(log)[order]
    committed = int(len(records) * share_acked)
    states, acked, alerts = _reference(records, committed)
    fold = _fold(records, committed)
    assert len(states) == 40
    assert _bytes(fold.states) == _bytes(states)
    assert _bytes(fold.acked) == _bytes(acked)
    assert [encode(a) for a in fold.tail_alerts] == [encode(a) for a in alerts]
    if share_acked < 1.0:
        assert alerts, "the unacknowledged part of the log alerts"


def test_a_case_read_half_way_then_continued_is_still_the_plain_fold(log: list[Record]) -> None:
    """Reading ``states`` derives the gathered cases; later acknowledged events continue from there."""
    fold = LogFold(committed={0: len(log)})
    half = len(log) // 2
    for offset, (key, value) in enumerate(log[:half]):
        fold.add("docket.events", 0, offset, key, value)
    assert _bytes(fold.states) == _bytes(_reference(log[:half], half)[0])
    for offset, (key, value) in enumerate(log[half:], start=half):
        fold.add("docket.events", 0, offset, key, value)
    assert _bytes(fold.states) == _bytes(_reference(log, len(log))[0])


def test_folds_of_partition_shares_merge_into_the_fold_of_the_whole_log(log: list[Record]) -> None:
    partition_of = {key: i % 4 for i, key in enumerate(dict.fromkeys(k for k, _ in log))}
    by_partition: dict[int, list[Record]] = {
        p: [r for r in log if partition_of[r[0]] == p] for p in range(4)
    }
    committed = {p: len(rs) // 2 for p, rs in by_partition.items()}

    whole = LogFold(committed)
    parts = [LogFold(committed), LogFold(committed)]
    for p, rs in by_partition.items():
        for offset, (key, value) in enumerate(rs):
            whole.add("docket.events", p, offset, key, value)
            parts[p % 2].add("docket.events", p, offset, key, value)
    merged = FoldResult.merge(FoldResult.of(f, keep_models=False) for f in parts)
    single = FoldResult.of(whole)

    assert merged.encoded == single.encoded
    assert merged.summaries == single.summaries
    assert sorted(merged.tail_alerts) == sorted(single.tail_alerts) and merged.tail_alerts
    assert (merged.events, merged.unprocessed, merged.undecodable) == (
        single.events,
        single.unprocessed,
        0,
    )
    assert merged.next_offset == single.next_offset and merged.reasons == single.reasons
    assert merged.partition_of == single.partition_of and not merged.misplaced
    assert merged.acked == {} and merged.changed_readings == {}


def test_a_case_on_partitions_of_two_shares_is_reported_misplaced(log: list[Record]) -> None:
    case = log[0][0]
    mine = [r for r in log if r[0] == case]
    first, second = LogFold(committed={}), LogFold(committed={})
    for offset, (key, value) in enumerate(mine[:3]):
        first.add("docket.events", 0, offset, key, value)
    for offset, (key, value) in enumerate(mine[3:]):
        second.add("docket.events", 1, offset, key, value)
    merged = FoldResult.merge([FoldResult.of(first), FoldResult.of(second)])
    assert merged.misplaced == {case.decode()}


def test_a_summary_compares_and_describes_like_its_state(log: list[Record]) -> None:
    states = _reference(log, len(log))[0]
    values = list(states.values())
    assert {s.status for s in values} >= {"open", "closed"}
    for a in values:
        assert describe(StateSummary.of(a)) == describe(a)
        for b in values[:10]:
            assert (
                status_differs(StateSummary.of(a), b)
                == status_differs(a, b)
                == status_differs(a, StateSummary.of(b))
            )


def test_partitions_are_shared_by_record_count_and_operator_modes_fold_in_one_process() -> None:
    extent = {0: (0, 100), 1: (0, 10), 2: (5, 95), 3: (0, 20)}
    shares = share_partitions(extent, 2)
    assert shares == [{0: (0, 100), 1: (0, 10)}, {2: (5, 95), 3: (0, 20)}]  # 110 records each
    assert share_partitions(extent, 8) == [{0: (0, 100)}, {2: (5, 95)}, {3: (0, 20)}, {1: (0, 10)}]
    assert fold_jobs(Options(jobs=2), 4) == 2
    assert fold_jobs(Options(jobs=8), 4) == 4
    assert fold_jobs(Options(jobs=1), 4) == 1
    assert fold_jobs(Options(jobs=2, reclassify=True), 4) == 1
    assert fold_jobs(Options(jobs=2, emit_alerts=True), 4) == 1
    assert fold_jobs(Options(jobs=2), 1) == 1


def _broken_records(log: list[Record]) -> list[tuple[bytes | None, bytes | None]]:
    """Records the processor dead-letters, one per rule of ``decode_record`` (and near misses)."""
    key, value = log[0]
    doc = orjson.loads(value)
    other_key = next(k for k, _ in log if k != key)

    def variant(**case: object) -> bytes:
        return orjson.dumps(
            {**doc, "data": {**doc["data"], "case": {**doc["data"]["case"], **case}}}
        )

    v1 = {
        **doc,
        "schema_version": 1,
        "data": {k: v for k, v in doc["data"].items() if k != "classifier_rule"},
    }
    return [
        (key, None),
        (key, b" " * (MAX_RECORD_BYTES + 1)),
        (None, value),
        (b"\xff\xfe", value),
        (key, b"not json"),
        (key, b"[1, 2]"),
        (key, orjson.dumps({**doc, "type": "no.such.type"})),
        (key, variant(court_id="Not A Court!")),
        (key, variant(docket_number="no docket number")),
        (other_key, value),  # key of another case
        (key, orjson.dumps({**doc, "subject": other_key.decode()})),  # subject of another case
        (
            key,
            variant(docket_number=doc["data"]["case"]["docket_number"] + "-ABC"),
        ),  # same case, other spelling
        (key, orjson.dumps(v1)),  # an old schema version: upcast
    ]


def test_the_fold_decodes_and_rejects_records_exactly_as_the_processor(log: list[Record]) -> None:
    """:class:`RecordDecoder` keeps ``make_case_id`` per pair: the same events, reasons and messages."""
    decoder = RecordDecoder()
    records: list[tuple[bytes | None, bytes | None]] = [
        *log[:200],
        *_broken_records(log),
        *log[:50],
    ]
    outcomes: Counter[str] = Counter()
    for key, value in records * 2:  # the second round hits the kept case ids
        try:
            expected: object = decode_record(key, value)
        except RecordRejected as exc:
            expected = (exc.reason, exc.error)
        try:
            got: object = decoder(key, value)
        except RecordRejected as exc:
            got = (exc.reason, exc.error)
        assert got == expected
        outcomes[expected[0] if isinstance(expected, tuple) else "event"] += 1
    assert set(outcomes) == {
        "event",
        "empty_value",
        "oversized",
        "missing_key",
        "invalid_key",
        "invalid_event",
        "invalid_case",
        "key_mismatch",
    }


def test_a_fold_process_that_fails_raises_its_error_here() -> None:
    """The fold runs in ``python -m services.rebuild.fold_worker``; its exception comes back as it was."""
    nobody = Settings(bootstrap_servers="127.0.0.1:1")  # nothing listens on port 1
    job = FoldJob(nobody, "docket.events", {0: (0, 1)}, {}, 5.0)
    with pytest.raises(KafkaConnectionError):
        asyncio.run(fold_in_child(job))
