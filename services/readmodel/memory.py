"""The read model in memory: a real implementation of the port, for tests and demos.

Same contract as the SQLite store (one test suite runs against both). Writes
copy the tables, change the copy and swap it in under a lock (copy-on-write),
so a batch is applied completely or not at all and readers on other threads
always see a whole snapshot. The copy makes writes O(rows): fine for tests,
demos and small portfolios; use the SQLite store for anything larger.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, EntryRecord
from schemas.vocabulary import EntryClass
from services.core.deadlines import CalendarItem
from services.core.evolve import order_key, to_record
from services.readmodel.values import (
    COUNT_CAP,
    AlertFilter,
    Applied,
    Batch,
    CaseCursor,
    CaseDeadline,
    CasePage,
    CaseQuery,
    CaseRow,
    DeadlinePage,
    DeadlineQuery,
    Milestone,
    MilestonePage,
    MilestoneQuery,
    Position,
    RowError,
    StaleBatchError,
    Stats,
    StoredAlert,
    TimelineKey,
    TimelineSlice,
    case_row,
    case_summary,
    fold_text,
    merge_months,
    search_tokens,
)
from services.readmodel.views import case_deadlines, chosen_entries, entry_reading, timeline_slice

_ITEM_FIELDS = (
    "key", "kind", "name", "date", "time", "status", "set_by", "updated_by", "text",
)  # fmt: skip


@dataclass
class _Tables:
    cases: dict[str, tuple[CaseSnapshot, CaseRow]] = field(default_factory=dict)
    events: dict[str, DocketEvent] = field(default_factory=dict)
    alerts: list[StoredAlert] = field(default_factory=list)
    alert_ids: set[str] = field(default_factory=set)
    offsets: dict[Position, int] = field(default_factory=dict)
    seq: int = 0
    generation: int = 0
    deadlines: dict[str, tuple[CalendarItem, ...]] = field(default_factory=dict)
    """Per case its calendar, recomputed when its events arrive."""

    def copy(self) -> _Tables:
        return _Tables(
            cases=dict(self.cases),
            events=dict(self.events),
            deadlines=dict(self.deadlines),
            alerts=list(self.alerts),
            alert_ids=set(self.alert_ids),
            offsets=dict(self.offsets),
            seq=self.seq,
            generation=self.generation,
        )


def _matches(row: CaseRow, q: CaseQuery) -> bool:
    if q.statuses and row.status not in q.statuses:
        return False
    if q.dispositions and row.disposition not in q.dispositions:
        return False
    if q.courts and row.court_id not in q.courts:
        return False
    if q.nature_of_suit is not None and (
        row.nos_folded is None or fold_text(q.nature_of_suit) not in row.nos_folded
    ):
        return False
    if q.class_action is not None and row.class_action != q.class_action:
        return False
    for value, lo, hi in (
        (row.date_filed, q.filed_from, q.filed_to),
        (row.date_terminated, q.terminated_from, q.terminated_to),
    ):
        if lo is None and hi is None:
            continue
        if value is None:
            return False
        if lo is not None and value < lo.isoformat():
            return False
        if hi is not None and value > hi.isoformat():
            return False
    if q.terms:
        words = search_tokens(row.search_text())
        if not all(any(w.startswith(t) for w in words) for t in q.terms):
            return False
    return True


def _after(row: CaseRow, c: CaseCursor) -> bool:
    """Does ``row`` come after the cursor in the query's order (nulls last)?"""
    value = row.sort_value(c.sort)

    def beyond(a: str, b: str) -> bool:
        return a < b if c.descending else a > b

    if c.value is None:
        return value is None and beyond(row.case_id, c.case_id)
    if value is None:
        return True
    if value != c.value:
        return beyond(value, c.value)
    return beyond(row.case_id, c.case_id)


def _ordered(rows: Iterable[CaseRow], q: CaseQuery) -> list[CaseRow]:
    out = sorted(rows, key=lambda r: r.case_id, reverse=q.descending)
    out.sort(key=lambda r: r.sort_value(q.sort) or "", reverse=q.descending)
    out.sort(key=lambda r: r.sort_value(q.sort) is None)
    return out


def _alert_matches(a: StoredAlert, f: AlertFilter) -> bool:
    data = a.alert.data
    return (
        (f.case_id is None or data.case_id == f.case_id)
        and (f.court is None or data.court_id == f.court)
        and (not f.types or a.alert.type in f.types)
    )


def _event_order(e: DocketEvent) -> tuple[object, ...]:
    return (*order_key(to_record(e)), e.id)


class InMemoryReadModel:
    """The read model in process memory (lost on exit; rebuilt from the log)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._t = _Tables()

    # writes ------------------------------------------------------------------
    def apply(self, batch: Batch) -> Applied:
        with self._lock:
            if batch.generation is not None and batch.generation != self._t.generation:
                raise StaleBatchError(
                    f"batch of generation {batch.generation}, read model is at {self._t.generation}"
                )
            t = self._t.copy()
            upserted = deleted = ev_new = ev_dup = al_new = al_dup = 0
            for case_id, state in batch.cases:
                if state is None:
                    deleted += t.cases.pop(case_id, None) is not None
                else:
                    try:
                        row = case_row(state)
                    except (OverflowError, ValueError) as exc:  # what SQLite cannot index either
                        raise RowError(
                            f"case {case_id}: a row cannot be stored: {type(exc).__name__}: {exc}"
                        ) from exc
                    t.cases[case_id] = (state, row)
                    upserted += 1
            arrived: set[str] = set()
            for event in batch.events:
                if event.id in t.events:
                    ev_dup += 1
                else:
                    t.events[event.id] = event
                    arrived.add(event.subject)
                    ev_new += 1
            for case_id in arrived:
                t.deadlines[case_id] = case_deadlines(e for _, e in self._chosen(t, case_id))
            for alert in batch.alerts:
                if alert.id in t.alert_ids:
                    al_dup += 1
                    continue
                t.seq += 1
                t.alerts.append(StoredAlert(seq=t.seq, alert=alert))
                t.alert_ids.add(alert.id)
                al_new += 1
            t.offsets.update(batch.offsets)
            self._t = t
            return Applied(upserted, deleted, ev_new, ev_dup, al_new, al_dup)

    def reset(self) -> None:
        with self._lock:
            # alert seq never goes back; the generation marks batches read before the reset
            self._t = _Tables(seq=self._t.seq, generation=self._t.generation + 1)

    def close(self) -> None:
        pass

    # reads -------------------------------------------------------------------
    def offsets(self) -> dict[Position, int]:
        return dict(self._t.offsets)

    def generation(self) -> int:
        return self._t.generation

    def get_case(self, case_id: str) -> CaseSnapshot | None:
        hit = self._t.cases.get(case_id)
        return hit[0] if hit else None

    @staticmethod
    def _chosen(t: _Tables, case_id: str) -> list[tuple[EntryRecord, DocketEvent]]:
        return chosen_entries(e for e in t.events.values() if e.subject == case_id)

    def timeline(
        self,
        case_id: str,
        after: TimelineKey | None,
        limit: int,
        *,
        classes: Sequence[EntryClass] = (),
    ) -> TimelineSlice:
        chosen = self._chosen(self._t, case_id)
        if classes:
            chosen = [(r, e) for r, e in chosen if entry_reading(e).entry_class in classes]
        return timeline_slice(chosen, after, limit)

    def deadlines(self, case_id: str) -> tuple[CalendarItem, ...]:
        return self._t.deadlines.get(case_id, ())

    def upcoming_deadlines(self, query: DeadlineQuery) -> DeadlinePage:
        t = self._t
        found = sorted(
            (
                CaseDeadline(
                    case_id=case_id,
                    case_name=t.cases[case_id][0].case_name,
                    court_id=t.cases[case_id][0].court_id,
                    case_status=t.cases[case_id][0].status,
                    **{f: getattr(i, f) for f in _ITEM_FIELDS},
                )
                for case_id, items in t.deadlines.items()
                if case_id in t.cases
                for i in items
                if query.start <= i.date <= query.end
                and (not query.statuses or i.status in query.statuses)
            ),
            key=lambda d: d.cursor,
        )
        total = len(found)
        if query.after is not None:
            after = query.after
            found = [d for d in found if d.cursor > after]
        page = tuple(found[: query.limit])
        nxt = page[-1].cursor if len(found) > query.limit else None
        return DeadlinePage(page, nxt, min(total, COUNT_CAP), total <= COUNT_CAP)

    def milestones(self, query: MilestoneQuery) -> MilestonePage:
        t = self._t
        found: list[Milestone] = []
        for case_id in {e.subject for e in t.events.values()}:
            if case_id not in t.cases or query.case_id not in (None, case_id):
                continue
            state = t.cases[case_id][0]
            for record, event in self._chosen(t, case_id):
                kind = entry_reading(event)
                if kind.milestone and (not query.classes or kind.entry_class in query.classes):
                    found.append(
                        Milestone(
                            case_id, state.case_name, state.court_id, state.status,
                            kind.entry_class, kind.outcome, record, event,
                        )
                    )  # fmt: skip
        found.sort(key=lambda m: m.cursor, reverse=True)
        if query.before is not None:
            before = query.before
            found = [m for m in found if m.cursor < before]
        page = tuple(found[: query.limit])
        return MilestonePage(page, page[-1].cursor if len(found) > query.limit else None)

    def list_cases(self, query: CaseQuery) -> CasePage:
        t = self._t
        rows = _ordered((row for _, row in t.cases.values() if _matches(row, query)), query)
        total = len(rows)
        if query.after is not None:
            after = query.after
            rows = [r for r in rows if _after(r, after)]
        page = rows[: query.limit]
        nxt = None
        if len(rows) > query.limit:
            last = page[-1]
            nxt = CaseCursor(
                query.sort, query.descending, last.sort_value(query.sort), last.case_id
            )
        return CasePage(
            items=tuple(case_summary(t.cases[r.case_id][0]) for r in page),
            next=nxt,
            total=min(total, COUNT_CAP),
            total_exact=total <= COUNT_CAP,
        )

    def case_events(self, case_id: str, *, until: dt.date | None = None) -> list[DocketEvent]:
        found = [
            e
            for e in self._t.events.values()
            if e.subject == case_id and (until is None or e.data.entry.date_filed <= until)
        ]
        return sorted(found, key=_event_order)

    def events_by_id(self, event_ids: Sequence[str]) -> dict[str, DocketEvent]:
        events = self._t.events
        return {i: events[i] for i in event_ids if i in events}

    def alerts_after(self, seq: int, filters: AlertFilter, limit: int) -> list[StoredAlert]:
        hits = (a for a in self._t.alerts if a.seq > seq and _alert_matches(a, filters))
        return [a for _, a in zip(range(limit), hits)]

    def recent_alerts(
        self,
        filters: AlertFilter,
        *,
        before: int | None = None,
        since: int | None = None,
        limit: int,
    ) -> list[StoredAlert]:
        hits = (
            a
            for a in reversed(self._t.alerts)
            if (before is None or a.seq < before)
            and (since is None or a.seq > since)
            and _alert_matches(a, filters)
        )
        return [a for _, a in zip(range(limit), hits)]

    def last_alert_seq(self) -> int:
        return self._t.seq

    def stats(self) -> Stats:
        rows = [row for _, row in self._t.cases.values()]
        by_court_disp: dict[str, Counter[str]] = {}
        for r in rows:
            if r.disposition is not None:
                by_court_disp.setdefault(r.court_id, Counter())[r.disposition] += 1
        return Stats(
            total_cases=len(rows),
            by_status=dict(Counter(r.status for r in rows)),
            by_disposition=dict(Counter(r.disposition for r in rows if r.disposition)),
            by_court=dict(Counter(r.court_id for r in rows)),
            dispositions_by_court={c: dict(v) for c, v in by_court_disp.items()},
            per_month=merge_months(
                Counter(r.date_filed[:7] for r in rows if r.date_filed),
                Counter(r.date_terminated[:7] for r in rows if r.date_terminated),
            ),
        )

    def counts(self) -> dict[str, int]:
        t = self._t
        return {"cases": len(t.cases), "events": len(t.events), "alerts": len(t.alerts)}
