"""The incremental fold gives today's projections, byte for byte, for any arrival order.

Today's fold is kept as ``tests/reference_fold.py``; ``python -m bench.fold_compare``
runs the same comparison on the 100k-event bench workload.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from schemas.codec import encode_memory
from schemas.events import CaseInfo, DocketEvent, Entry
from services.core import evolve as core
from services.core.build import build_event
from services.core.classification import Classification
from services.core.evolve import evolve, project
from services.core.ids import entry_key
from tests.fold_equivalence import compare, orders
from tests.workload import case_events

CASE = CaseInfo(court_id="cand", docket_number="5:25-cv-00709", case_name="Doe v. Acme")
CID = "cand:5:25-cv-00709"
PLAIN = Classification()


def _event(n: int, c: Classification = PLAIN, *, day: int | None = None,
           case: CaseInfo = CASE, stub: bool = False, minute: int = 0) -> DocketEvent:  # fmt: skip
    date = dt.date(2025, 1, 1) + dt.timedelta(days=n if day is None else day)
    e = Entry(
        entry_key=entry_key(CID, document_number=n, date_filed=date),
        date_filed=date,
        document_number=n,
        text=("stub" if stub else f"entry {n} text"),
        text_is_stub=stub,
    )
    t = dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minute or n)
    return build_event(case, e, c, source="tests", classifier_version="test", time=t)


def _long_case() -> list[DocketEvent]:
    """150 entries: a stay, its lift, amendments, a dismissal, a reopening, a closing, a strike late."""
    plan: dict[int, Classification] = {
        1: Classification(type="case.filed", class_action=True),
        20: Classification(type="case.stayed"),
        45: Classification(type="stay.lifted"),
        50: Classification(type="complaint.amended"),
        70: Classification(type="case.dismissed", dismissal="voluntary", prejudice="unknown"),
        71: Classification(type="case.dismissed", dismissal="voluntary", prejudice="without"),
        90: Classification(type="case.reopened"),
        120: Classification(type="case.settled", settlement_closes_case=False),
        140: Classification(type="case.dismissed", dismissal="stipulated", prejudice="with"),
    }
    events = [_event(n, plan.get(n, Classification())) for n in range(1, 151)]
    events.append(_event(151, Classification(type="entry.stricken", targets=(140,))))
    # better versions of some entries (a stub first, the words later), a header change late
    events += [_event(n, plan.get(n, Classification()), stub=True, minute=1) for n in (30, 71, 100)]
    events.append(_event(149, case=CASE.model_copy(update={"parties": ("Doe", "Acme")})))
    events.append(_event(148, case=CASE.model_copy(update={"date_filed": dt.date(2024, 12, 1)})))
    return events


def _workload(cases: int = 40) -> list[DocketEvent]:
    rng = random.Random(5)
    return [e for i in range(cases) for e in case_events(i, rng)]


@pytest.mark.parametrize("order", ["as given", "in order", "shuffled", "redelivered"])
@pytest.mark.parametrize("source", ["long case", "fault-test workload"])
def test_the_public_snapshot_and_the_memory_equal_todays_fold(order: str, source: str) -> None:
    events = _long_case() if source == "long case" else _workload()
    for seed in range(3 if source == "long case" else 1):
        diff = compare(orders(events, seed)[order])
        assert diff.cases > 0
        assert diff.snapshots == []
        assert diff.memories == []


def test_the_bench_workload_slice_folds_to_todays_snapshots() -> None:
    from bench.workload import iter_events

    events = list(iter_events(30, 20250121))
    for order, log in orders(events, 1).items():
        diff = compare(log)
        assert (order, diff.snapshots, diff.memories) == (order, [], [])


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The entry keys the fold steps over, in order, from now on."""
    seen: list[str] = []
    original = core._Fold.step

    def counting(self: core._Fold, r: core.EntryRecord, voided: frozenset[int]) -> None:
        seen.append(r.entry_key)
        original(self, r, voided)

    monkeypatch.setattr(core._Fold, "step", counting)
    return seen


def test_an_entry_after_the_last_folds_no_entry_again(steps: list[str]) -> None:
    state = project(_event(n) for n in range(1, 101))
    assert state is not None
    steps.clear()
    new = evolve(state, _event(101))
    assert steps == [new.entries[-1].entry_key]
    assert len(encode_memory(new)) - len(encode_memory(state)) < 400  # one row more, not a copy


def test_an_entry_out_of_order_re_derives_only_from_the_checkpoint_before_it(
    steps: list[str],
) -> None:
    events = [_event(n) for n in range(1, 201) if n != 150]
    state = project(events)
    assert state is not None
    steps.clear()
    evolve(state, _event(150))
    # entries 150..200 after the new one, and at most a checkpoint's distance before it
    assert 51 <= len(steps) <= 51 + core.CHECKPOINT_EVERY


def test_a_strike_folds_the_whole_history_again() -> None:
    events = [_event(n) for n in range(1, 80)]
    events.append(_event(80, Classification(type="case.dismissed", dismissal="court")))
    state = project(events)
    assert state is not None
    assert state.status == "closed"
    struck = evolve(state, _event(81, Classification(type="entry.stricken", targets=(80,))))
    assert struck.status == "open"
