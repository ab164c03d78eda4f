"""Pure comparison of expected projections (folded from the log) with live ones.

The expected state of every case is ``project(events of that case)``; since the
fold does not depend on order or redelivery, any difference from the live
projection (its public snapshot on ``case.states``) means an event was lost,
applied twice or misordered. The processor's private memory, when given, names
the entries a live projection lacks (a snapshot only counts them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.alerts import Alert
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, CaseState
from services.core.detect import detect
from services.core.evolve import evolve, snapshot


@dataclass
class CaseDiff:
    case_id: str
    kind: str
    """missing (no live state), unexpected (live state without events), lost, doubled, misordered, differs"""
    detail: str
    events: tuple[str, ...] = ()
    """ids of the events whose entries (or entry versions) the live state lacks, in the expected order"""


@dataclass
class Report:
    events: int = 0
    undecodable: int = 0
    """records on the events topic that do not decode (they are on the dead-letter topic)"""
    quarantined: int = 0
    """records of the three topics the check could not read, kept in DATA_DIR/quarantine.sqlite"""
    cases: int = 0
    live_cases: int = 0
    diffs: list[CaseDiff] = field(default_factory=list)
    alerts_expected: int = 0
    alerts_seen: int = 0
    alert_ids_missing: list[str] = field(default_factory=list)
    alert_ids_unexpected: list[str] = field(default_factory=list)
    alert_ids_redelivered: dict[str, int] = field(default_factory=dict)
    """ids seen more than once on the topic (at-least-once; consumers de-duplicate by id)"""
    reclassified: int = 0
    """events the current classifier reads differently (checked with ``--reclassify``)"""
    positions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """(partition, offset) on the events topic of each event a diff names (filled by ``check``)"""

    @property
    def ok(self) -> bool:
        return not self.diffs and not self.alert_ids_missing and not self.alert_ids_unexpected

    def summary(self) -> str:
        return (
            f"events {self.events} (+{self.undecodable} undecodable), cases {self.cases} (live {self.live_cases}), "
            f"differences {len(self.diffs)}, alerts expected {self.alerts_expected} seen {self.alerts_seen} "
            f"(missing {len(self.alert_ids_missing)}, unexpected {len(self.alert_ids_unexpected)}, "
            f"redelivered ids {len(self.alert_ids_redelivered)})"
            + (
                f", {self.reclassified} events re-read by the current classifier"
                if self.reclassified
                else ""
            )
            + (f", {self.quarantined} records quarantined (unreadable)" if self.quarantined else "")
        )


def fold_log(events: Iterable[DocketEvent]) -> tuple[dict[str, CaseState], set[str]]:
    """Expected states and the ids of every alert the log can legitimately cause.

    Alert ids depend on arrival order only through which entry caused a change;
    folding in log order reproduces exactly what a single in-order processor emits.
    """
    states: dict[str, CaseState] = {}
    alert_ids: set[str] = set()
    for event in events:
        old = states.get(event.subject)
        new = evolve(old, event)
        if new is not old:
            alert_ids.update(a.id for a in detect(old, new, event))
            states[event.subject] = new
    return states, alert_ids


def _entry_diff(expected: CaseState, live: CaseState) -> CaseDiff | None:
    exp = [(r.entry_key, r.event_id) for r in expected.entries]
    got = [(r.entry_key, r.event_id) for r in live.entries]
    if exp == got:
        return None
    exp_keys, got_keys = Counter(k for k, _ in exp), Counter(k for k, _ in got)
    lost = sorted(set(exp_keys) - set(got_keys))
    doubled = sorted(k for k, n in got_keys.items() if n > 1)
    held = set(got)
    lacking = tuple(event_id for key, event_id in exp if (key, event_id) not in held)
    if lost:
        detail = f"{len(lost)} of {len(exp)} entries missing, e.g. {lost[:3]}"
        return CaseDiff(expected.case_id, "lost", detail, lacking)
    if doubled:
        return CaseDiff(expected.case_id, "doubled", f"entries applied twice: {doubled[:3]}")
    if sorted(exp) == sorted(got):
        return CaseDiff(expected.case_id, "misordered", "same entries in a different order")
    return CaseDiff(
        expected.case_id, "differs", "entry versions differ (a stale version kept)", lacking
    )


def _count_diff(expected: CaseState, live: CaseSnapshot) -> CaseDiff | None:
    want, got = expected.entry_count, live.entry_count
    if got < want:
        detail = f"{want - got} of {want} entries missing (the processor's memory names them)"
        return CaseDiff(expected.case_id, "lost", detail)
    if got > want:
        return CaseDiff(expected.case_id, "doubled", f"{got} entries applied, {want} in the log")
    return None


def compare(
    expected: Mapping[str, CaseState],
    live: Mapping[str, CaseSnapshot],
    *,
    live_memory: Mapping[str, CaseState] | None = None,
    expected_alert_ids: set[str] | None = None,
    required_alert_ids: set[str] | None = None,
    alerts: Iterable[Alert] = (),
    events: int = 0,
) -> Report:
    """Compare per case (``expected``: folded memories; ``live``: snapshots; ``live_memory``: the
    processor's table, optional); alerts: every required id (default: every expected id) must be
    seen, no other id."""
    report = Report(events=events, cases=len(expected), live_cases=len(live))
    for case_id, exp in sorted(expected.items()):
        got = live.get(case_id)
        if got is None:
            report.diffs.append(CaseDiff(case_id, "missing", "no live projection"))
            continue
        want = snapshot(exp)
        if got == want:
            continue
        memory = None if live_memory is None else live_memory.get(case_id)
        diff = _entry_diff(exp, memory) if memory is not None else _count_diff(exp, got)
        if diff is None:
            fields = [k for k in CaseSnapshot.model_fields if getattr(want, k) != getattr(got, k)]
            diff = CaseDiff(case_id, "differs", f"fields differ: {fields}")
        report.diffs.append(diff)
    for case_id in sorted(set(live) - set(expected)):
        report.diffs.append(
            CaseDiff(case_id, "unexpected", "live projection without events in the log")
        )
    if expected_alert_ids is not None:
        seen = Counter(a.id for a in alerts)
        report.alerts_expected = len(expected_alert_ids)
        report.alerts_seen = sum(seen.values())
        required = expected_alert_ids if required_alert_ids is None else required_alert_ids
        report.alert_ids_missing = sorted(required - set(seen))
        report.alert_ids_unexpected = sorted(set(seen) - expected_alert_ids)
        report.alert_ids_redelivered = {k: n for k, n in seen.items() if n > 1}
    return report
