"""Timelines and ``as_of`` views, computed from stored values with the pure core."""

from __future__ import annotations

import datetime as dt

from schemas.events import Entry
from services.core.build import build_event
from services.core.evolve import order_key, project
from services.core.ids import entry_key
from services.readmodel.views import (
    as_of,
    changes_by_event,
    chosen_entries,
    timeline_page,
    timeline_slice,
)
from tests.readmodel_samples import REF_CASE_ID, REFERENCE, VOLUNTARY_WITHOUT, fold

FOLDED = fold([REFERENCE])
STATE = FOLDED.states[REF_CASE_ID]
MEMORY = FOLDED.memories[REF_CASE_ID]
EVENTS = {e.id: e for e in FOLDED.events}
CHOSEN = chosen_entries(FOLDED.events)


def test_the_timeline_is_the_entries_the_fold_keeps_in_its_order() -> None:
    assert [r for r, _ in CHOSEN] == list(MEMORY.entries)
    assert [e.id for _, e in CHOSEN] == [r.event_id for r in MEMORY.entries]


def test_timeline_slices_walk_the_entries_in_event_time_order() -> None:
    seen = []
    after = None
    for _ in range(5):
        part = timeline_slice(CHOSEN, after, 2)
        assert part.total == 3
        seen += [r.document_number for r, _ in part.entries]
        after = part.next
        if after is None:
            break
    assert seen == [1, 5, 12]
    assert timeline_slice(CHOSEN, None, 10).entries == tuple(CHOSEN)


def test_a_cursor_key_survives_an_entry_inserted_before_it() -> None:
    key = timeline_slice(CHOSEN, None, 1).next
    assert key == order_key(MEMORY.entries[0])
    late = build_event(
        REFERENCE.info,
        Entry(
            entry_key=entry_key(REF_CASE_ID, document_number=3, date_filed=dt.date(2025, 1, 22)),
            date_filed=dt.date(2025, 1, 22),
            document_number=3,
            text="ORDER setting case management conference.",
        ),
        REFERENCE.entries[1][3],
        source="test",
        classifier_version="test",
    )
    part = timeline_slice(chosen_entries([*FOLDED.events, late]), key, 10)
    assert [r.document_number for r, _ in part.entries] == [3, 5, 12]


def test_each_entry_carries_the_status_change_it_caused() -> None:
    page = timeline_page(STATE, timeline_slice(CHOSEN, None, 10))
    changes = [
        (i.record.document_number, i.change and (i.change.from_status, i.change.change.status))
        for i in page.items
    ]
    assert changes == [(1, (None, "open")), (5, None), (12, ("open", "closed"))]
    assert [i.event.data.entry.text if i.event else None for i in page.items] == [
        REFERENCE.entries[0][2],
        REFERENCE.entries[1][2],
        REFERENCE.entries[2][2],
    ]
    assert set(changes_by_event(STATE)) == {h.event_id for h in STATE.status_history}


def test_timeline_shows_the_version_of_an_entry_the_projection_chose() -> None:
    """An RSS stub and the NEF text of the same entry: the fuller text wins."""
    day = dt.date(2025, 1, 30)
    key = entry_key(REF_CASE_ID, document_number=12, date_filed=day)
    stub = build_event(
        REFERENCE.info,
        Entry(
            entry_key=key,
            date_filed=day,
            document_number=12,
            text="Notice of Voluntary Dismissal",
            text_is_stub=True,
        ),
        VOLUNTARY_WITHOUT,
        source="rss",
        classifier_version="test",
    )
    for events in ([*FOLDED.events, stub], [stub, *FOLDED.events]):
        state = project(events)
        assert state is not None
        chosen = chosen_entries(events)
        assert [r for r, _ in chosen] == list(state.entries)
    page = timeline_page(STATE, timeline_slice(chosen, None, 10))
    assert page.items[-1].event is not None
    assert page.items[-1].event.data.entry.text == REFERENCE.entries[2][2]
    assert len(page.items) == 3


def test_as_of_folds_only_entries_filed_by_that_day() -> None:
    events = list(EVENTS.values())
    assert as_of(events, dt.date(2025, 1, 20)) is None
    early = as_of(events, dt.date(2025, 1, 25))
    assert early is not None and early.status == "open" and early.entry_count == 2
    late = as_of(events, dt.date(2025, 1, 30))
    assert late == STATE
