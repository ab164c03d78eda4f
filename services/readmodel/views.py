"""Views computed from stored values with the pure core: timelines and ``as_of``. Pure.

* A case's **timeline** is one item per docket entry of its stored events: the
  version the fold keeps (:func:`services.core.evolve.rank`), in event-time
  order (:func:`services.core.evolve.order_key`), joined with the snapshot's
  ``status_history`` (by ``event_id``) for the status change it caused. The
  snapshot on ``case.states`` lists no entries: they are the events on
  ``docket.events``, which the read model keeps.
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
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, EntryRecord, StatusChange
from schemas.vocabulary import Status
from services.core.deadlines import CalendarItem, DatedEntry, calendar
from services.core.evolve import order_key, project, rank, snapshot, to_record
from services.readmodel.values import TimelineKey, TimelineSlice


@dataclass(frozen=True, slots=True)
class Change:
    """A status change an entry caused."""

    from_status: Status | None
    change: StatusChange


@dataclass(frozen=True, slots=True)
class TimelineItem:
    record: EntryRecord
    event: DocketEvent | None
    """The stored event of the chosen version."""
    change: Change | None


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: tuple[TimelineItem, ...]
    next: TimelineKey | None


def changes_by_event(state: CaseSnapshot) -> dict[str, Change]:
    out: dict[str, Change] = {}
    previous: Status | None = None
    for change in state.status_history:
        out[change.event_id] = Change(from_status=previous, change=change)
        previous = change.status
    return out


def chosen_entries(events: Iterable[DocketEvent]) -> list[tuple[EntryRecord, DocketEvent]]:
    """Per entry key the version the fold keeps, in event-time order (a case's timeline)."""
    best: dict[str, tuple[EntryRecord, DocketEvent]] = {}
    for event in events:
        record = to_record(event)
        held = best.get(record.entry_key)
        if held is None or rank(held[0]) < rank(record):
            best[record.entry_key] = (record, event)
    return sorted(best.values(), key=lambda pair: order_key(pair[0]))


def timeline_slice(
    chosen: list[tuple[EntryRecord, DocketEvent]], after: TimelineKey | None, limit: int
) -> TimelineSlice:
    """The next ``limit`` entries after ``after`` and the key to continue from (None at the end)."""
    keys = [order_key(r) for r, _ in chosen]
    start = 0 if after is None else bisect.bisect_right(keys, after)
    page = tuple(chosen[start : start + limit])
    more = start + limit < len(chosen)
    return TimelineSlice(page, keys[start + limit - 1] if more else None, len(chosen))


def timeline_page(state: CaseSnapshot, part: TimelineSlice) -> TimelinePage:
    changes = changes_by_event(state)
    items = tuple(
        TimelineItem(record=r, event=e, change=changes.get(r.event_id)) for r, e in part.entries
    )
    return TimelinePage(items=items, next=part.next)


def as_of(events: Iterable[DocketEvent], day: dt.date) -> CaseSnapshot | None:
    """The case as it stood at the end of ``day``; ``None`` when nothing was filed by then."""
    state = project(e for e in events if e.data.entry.date_filed <= day)
    return None if state is None else snapshot(state)


def case_deadlines(entries: Iterable[DocketEvent]) -> tuple[CalendarItem, ...]:
    """The calendar of a case: its entries' deadlines folded in docket order (see module doc).

    ``entries``: the version of each entry the fold keeps, in event-time order (the timeline).
    """
    return calendar(
        DatedEntry(e.data.entry.entry_key, e.data.entry.date_filed, e.data.entry.text)
        for e in entries
    )
