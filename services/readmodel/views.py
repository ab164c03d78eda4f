"""Views computed from stored values with the pure core: timelines and ``as_of``. Pure.

* A case's **timeline** is its projection's entries (one per docket entry, the
  version the fold chose, in event-time order), each joined with the stored
  event for its words and with ``status_history`` (by ``event_id``) for the
  status change it caused.
* A case **as of** a date is the fold (:func:`services.core.evolve.project`)
  of its stored events whose entry date is on or before that date — the same
  code the processor runs, so the answer is the one the service would have
  given that day had it known every entry filed by then.
* A case's **deadlines** are :func:`services.core.deadlines.calendar` of its
  projection's entries (in docket order) with their stored words: the dates
  they set, moved or vacated. An entry whose event is not stored yet adds
  nothing until it is.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from schemas.events import DocketEvent
from schemas.projection import CaseState, EntryRecord, StatusChange
from schemas.vocabulary import Status
from services.core.deadlines import CalendarItem, DatedEntry, calendar
from services.core.evolve import order_key, project

TimelineKey = tuple[dt.date, bool, int, int, str]
"""Event-time position of an entry (:func:`services.core.evolve.order_key`)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A status change an entry caused."""

    from_status: Status | None
    change: StatusChange


@dataclass(frozen=True, slots=True)
class TimelineItem:
    record: EntryRecord
    event: DocketEvent | None
    """The stored event of the chosen version; ``None`` while the feeder has not stored it yet."""
    change: Change | None


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: tuple[TimelineItem, ...]
    next: TimelineKey | None


def changes_by_event(state: CaseState) -> dict[str, Change]:
    out: dict[str, Change] = {}
    previous: Status | None = None
    for change in state.status_history:
        out[change.event_id] = Change(from_status=previous, change=change)
        previous = change.status
    return out


def timeline_slice(
    state: CaseState, after: TimelineKey | None, limit: int
) -> tuple[list[EntryRecord], TimelineKey | None]:
    """The next ``limit`` entries after ``after`` and the key to continue from (None at the end)."""
    keys = [order_key(r) for r in state.entries]
    start = 0 if after is None else bisect.bisect_right(keys, after)
    records = list(state.entries[start : start + limit])
    more = start + limit < len(state.entries)
    return records, (keys[start + limit - 1] if more else None)


def timeline_page(
    state: CaseState,
    records: Iterable[EntryRecord],
    events: Mapping[str, DocketEvent],
    next_key: TimelineKey | None,
) -> TimelinePage:
    changes = changes_by_event(state)
    items = tuple(
        TimelineItem(record=r, event=events.get(r.event_id), change=changes.get(r.event_id))
        for r in records
    )
    return TimelinePage(items=items, next=next_key)


def as_of(events: Iterable[DocketEvent], day: dt.date) -> CaseState | None:
    """The case as it stood at the end of ``day``; ``None`` when nothing was filed by then."""
    return project(e for e in events if e.data.entry.date_filed <= day)


def case_deadlines(state: CaseState, events: Mapping[str, DocketEvent]) -> tuple[CalendarItem, ...]:
    """The calendar of a case: its entries' deadlines folded in docket order (see module doc)."""
    stored = (events.get(r.event_id) for r in state.entries)
    return calendar(
        DatedEntry(e.data.entry.entry_key, e.data.entry.date_filed, e.data.entry.text)
        for e in stored
        if e is not None
    )
