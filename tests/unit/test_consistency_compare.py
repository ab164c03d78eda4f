"""``docketline check``'s pure comparison names the events a live projection lacks."""

from __future__ import annotations

from schemas.projection import CaseSnapshot, CaseState
from services.consistency.check import report_lines
from services.consistency.compare import compare, fold_log
from services.core.evolve import snapshot
from tests.unit.core_builders import ANSWER, REF_ID, complaint, dismissal, event


def test_a_shorter_history_is_reported_lost_with_the_ids_of_the_missing_events() -> None:
    events = [complaint(), event(5, "2025-01-25", "ANSWER to Complaint", ANSWER), dismissal()]
    expected, _ = fold_log(events)
    live, _ = fold_log(events[:1])  # a projection that stopped after the first event

    report = compare(expected, snapshots(live), live_memory=live)

    [diff] = report.diffs
    assert (diff.case_id, diff.kind) == (REF_ID, "lost")
    assert diff.detail.startswith("2 of 3 entries missing")
    assert diff.events == (events[1].id, events[2].id)


def test_report_lines_name_each_lost_event_and_where_it_is_in_the_log() -> None:
    events = [complaint(), event(5, "2025-01-25", "ANSWER to Complaint", ANSWER)]
    expected, _ = fold_log(events)
    live, _ = fold_log(events[:1])
    report = compare(expected, snapshots(live), live_memory=live)
    report.positions = {events[1].id: [(2, 417)]}

    lines = report_lines(report)

    assert f"    lacks event {events[1].id} (partition 2 offset 417)" in lines


def test_equal_projections_name_nothing() -> None:
    events = [complaint(), dismissal()]
    expected, _ = fold_log(events)
    report = compare(expected, snapshots(expected))
    assert report.ok and report.diffs == []


def snapshots(memories: dict[str, CaseState]) -> dict[str, CaseSnapshot]:
    return {c: snapshot(m) for c, m in memories.items()}


def test_a_snapshot_with_fewer_entries_is_lost_even_without_the_memory() -> None:
    events = [complaint(), event(5, "2025-01-25", "ANSWER to Complaint", ANSWER), dismissal()]
    expected, _ = fold_log(events)
    live, _ = fold_log(events[:1])

    [diff] = compare(expected, snapshots(live)).diffs

    assert (diff.case_id, diff.kind) == (REF_ID, "lost")
    assert diff.detail.startswith("2 of 3 entries missing")
