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
* An entry's **class** is the one its event carries (events v4); an event of
  before v4 carries none, and its kept words are classified here with
  :func:`services.core.entry_classes.classify_entry` (:func:`entry_reading`),
  so a timeline of an old log is filterable too. A class in
  :data:`~services.core.entry_classes.MILESTONE_CLASSES` makes the entry a
  **milestone**.
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
from schemas.vocabulary import EntryClass, Outcome, Status
from services.core.deadlines import CalendarItem, DatedEntry, calendar, extract
from services.core.entry_classes import MILESTONE_CLASSES, classify_entry
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


@dataclass(frozen=True, slots=True)
class EntryKind:
    """What kind of entry an event is: its class, the outcome of an order, the entries it cites."""

    entry_class: EntryClass
    outcome: Outcome | None
    cites: tuple[int, ...]

    @property
    def milestone(self) -> bool:
        return self.entry_class in MILESTONE_CLASSES


def entry_reading(event: DocketEvent) -> EntryKind:
    """The event's own class (v4), else its kept words classified (see module doc)."""
    data = event.data
    if data.entry_class is not None:
        return EntryKind(data.entry_class, data.entry_outcome, tuple(data.cites))
    entry = data.entry
    reading = classify_entry(
        entry.text, entry.event_name, entry.document_number, event_type=event.type
    )
    return EntryKind(reading.entry_class, reading.outcome, reading.cites)


def sets_dates(event: DocketEvent) -> bool:
    """Does the entry set, move or vacate a date? (An entry that does not adds nothing to a calendar.)"""
    return bool(extract(event.data.entry.text))
