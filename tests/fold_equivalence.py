"""Fold one log with today's fold (``tests/reference_fold.py``) and with the incremental one, compare.

Shared by the unit test (a slice of the bench workload and hand-made cases) and
``python -m bench.fold_compare`` (the 100k workload). Pure.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas.codec import (
    decode_memory,
    decode_snapshot,
    encode_memory,
    encode_snapshot,
    encode_snapshot_of,
)
from schemas.events import DocketEvent
from services.core.evolve import evolve, snapshot, to_record
from tests import reference_fold


@dataclass(frozen=True, slots=True)
class Differences:
    cases: int
    snapshots: list[str]
    """case ids whose public snapshot bytes differ (built as a model, or spliced as the worker does)."""
    memories: list[str]
    """case ids whose memory differs from today's state."""


def orders(events: Sequence[DocketEvent], seed: int) -> dict[str, list[DocketEvent]]:
    """The same log in order, shuffled, and shuffled with every tenth event delivered again."""
    rng = random.Random(seed)
    in_order = sorted(events, key=lambda e: (e.subject, to_record(e).date))
    shuffled = list(events)
    rng.shuffle(shuffled)
    redelivered = list(shuffled)
    for e in rng.sample(list(events), len(events) // 10):
        redelivered.insert(rng.randrange(len(redelivered) + 1), e)
    return {
        "as given": list(events),
        "in order": in_order,
        "shuffled": shuffled,
        "redelivered": redelivered,
    }


def compare(events: Iterable[DocketEvent]) -> Differences:
    """Fold ``events`` (one arrival order) both ways; every public snapshot must be the same bytes."""
    log = list(events)
    expected = reference_fold.fold_log(log)
    got: dict[str, object] = {}
    for event in log:
        got[event.subject] = evolve(got.get(event.subject), event)  # type: ignore[arg-type]
    snapshots, memories = [], []
    for case_id, old in expected.items():
        new = got[case_id]
        v1 = reference_fold.encode(old)
        want = encode_snapshot(decode_snapshot(v1))
        if encode_snapshot(snapshot(new)) != want or encode_snapshot_of(new) != want:  # type: ignore[arg-type]
            snapshots.append(case_id)
        if encode_memory(new) != encode_memory(decode_memory(v1)):  # type: ignore[arg-type]
            memories.append(case_id)
    return Differences(len(expected), snapshots, memories)
