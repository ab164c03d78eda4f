"""The benchmark's workload generator: deterministic, realistic in shape, valid events."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from bench.dataset import build_records
from bench.workload import (
    FINAL_STATUS,
    OUTCOMES,
    P_AMENDED,
    P_CLASS_ACTION,
    iter_entries,
    iter_plans,
    iter_records,
)
from schemas.codec import decode_event
from services.core.docket_numbers import split_case_id

CLOSING_TYPES = {
    "case.dismissed",
    "case.settled",
    "judgment.entered",
    "case.transferred",
    "case.remanded",
    "case.closed",
}


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    first = list(iter_records(12, seed=3))
    again = list(iter_records(12, seed=3))
    other = list(iter_records(12, seed=4))
    assert first == again
    assert len(first) > 12 * 3
    assert first != other


def test_building_in_several_processes_gives_exactly_the_serial_stream() -> None:
    serial = list(iter_records(10, seed=5, limit=150))
    assert build_records(10, 5, limit=150, workers=2) == serial
    assert len(serial) == 150


def test_outcomes_follow_the_documented_proportions() -> None:
    plans = list(iter_plans(4000, seed=1))
    seen = Counter(p.outcome for p in plans)
    for name, weight in OUTCOMES:
        share = seen[name] / len(plans)
        sigma = (weight * (1 - weight) / len(plans)) ** 0.5
        assert abs(share - weight) <= 4 * sigma + 0.002, (name, share, weight)
    # most civil cases end by voluntary dismissal or settlement, a minority by judgment
    ended_by_parties = sum(
        seen[n] for n in ("voluntary_dismissal", "stipulated_dismissal", "settled")
    )
    judgments = sum(
        seen[n]
        for n in ("default_judgment", "consent_judgment", "summary_judgment", "trial_judgment")
    )
    assert ended_by_parties / len(plans) > 0.4
    assert judgments / len(plans) < 0.2


def test_dockets_have_realistic_sizes_and_features() -> None:
    plans = list(iter_plans(3000, seed=2))
    sizes = [len(p.entries) for p in plans]
    assert 10 <= statistics.median(sizes) <= 40, statistics.median(sizes)
    assert 15 <= statistics.fmean(sizes) <= 40, statistics.fmean(sizes)
    kinds = Counter(k for p in plans for k in {e.kind for e in p.entries})
    assert abs(kinds["amended_complaint"] / len(plans) - P_AMENDED) < 0.05
    class_actions = sum(1 for p in plans if p.case.class_action)
    assert abs(class_actions / len(plans) - P_CLASS_ACTION) < 0.02
    for kind in (
        "stay",
        "stay_lifted",
        "reopen",
        "appeal",
        "settlement_notice",
        "partial_dismissal",
        "remand",
    ):
        assert kinds[kind] > 0, kind
    texts = [len(e.text.encode()) for p in plans[:300] for e in p.entries]
    # real PACER docket texts (../shared/data/juriscraper/dockets): median ~200 bytes, p90 ~530
    assert 120 <= statistics.median(texts) <= 400


def test_each_case_opens_first_and_closes_as_its_outcome_says() -> None:
    for plan in iter_plans(500, seed=9):
        first = plan.entries[0]
        assert first.expected == "case.filed" and first.document_number == 1
        numbers = [e.document_number for e in plan.entries if e.document_number is not None]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        dates = [e.date for e in plan.entries]
        assert dates == sorted(dates)
        closes = [e for e in plan.entries if e.expected in CLOSING_TYPES and e.kind != "partial_dismissal"
                  and e.kind != "settlement_notice"]  # fmt: skip
        if FINAL_STATUS[plan.outcome] == "closed":
            assert closes, plan.outcome
        else:
            assert not closes


def test_the_stream_is_in_date_order_with_distinct_case_ids_per_base() -> None:
    entries = list(iter_entries(200, seed=6))
    dates = [g.entry.date for g in entries]
    assert dates == sorted(dates)
    ids = {p.case_id for p in iter_plans(200, seed=6)}
    assert len(ids) == 200
    for case_id in ids:
        split_case_id(case_id)  # canonical
    shifted = {p.case_id for p in iter_plans(200, seed=6, seq_base=60_000)}
    assert not ids & shifted


def test_records_are_valid_events_keyed_by_case_and_unique() -> None:
    records = list(iter_records(20, seed=8))
    ids = set()
    for key, value in records:
        event = decode_event(value)
        assert event.subject == key.decode()
        ids.add(event.id)
    assert len(ids) == len(records)
    sizes = sorted(len(v) for _, v in records)
    # the envelope + case header alone is ~750 bytes; docket text adds ~100-500
    assert 700 <= sizes[len(sizes) // 2] <= 1600


@pytest.mark.parametrize("n_cases", [1, 3])
def test_tiny_workloads_work(n_cases: int) -> None:
    assert len(list(iter_records(n_cases, seed=0))) >= n_cases * 3
