"""Timelines and ``as_of`` views, computed from stored values with the pure core."""

from __future__ import annotations

import datetime as dt

from schemas.events import Entry
from services.core.build import build_event
from services.core.evolve import order_key, project
from services.core.ids import entry_key
from services.readmodel.views import as_of, changes_by_event, timeline_page, timeline_slice
from tests.readmodel_samples import REF_CASE_ID, REFERENCE, VOLUNTARY_WITHOUT, fold

FOLDED = fold([REFERENCE])
STATE = FOLDED.states[REF_CASE_ID]
EVENTS = {e.id: e for e in FOLDED.events}


def test_timeline_slices_walk_the_entries_in_event_time_order() -> None:
    seen = []
    after = None
    for _ in range(5):
        records, after = timeline_slice(STATE, after, 2)
        seen += [r.document_number for r in records]
        if after is None:
            break
    assert seen == [1, 5, 12]
    assert timeline_slice(STATE, None, 10) == (list(STATE.entries), None)


def test_a_cursor_key_survives_an_entry_inserted_before_it() -> None:
    _, key = timeline_slice(STATE, None, 1)
    assert key == order_key(STATE.entries[0])
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
    grown = project([late], STATE)
    assert grown is not None
    records, _ = timeline_slice(grown, key, 10)
    assert [r.document_number for r in records] == [3, 5, 12]


def test_each_entry_carries_the_status_change_it_caused() -> None:
    records, _ = timeline_slice(STATE, None, 10)
    page = timeline_page(STATE, records, EVENTS, None)
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


def test_an_entry_whose_event_is_not_stored_yet_has_no_words() -> None:
    records, _ = timeline_slice(STATE, None, 10)
    page = timeline_page(STATE, records, {}, None)
    assert [i.event for i in page.items] == [None, None, None]
    assert page.items[2].change is not None


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
    state = project([*FOLDED.events, stub])
    assert state is not None
    records, _ = timeline_slice(state, None, 10)
    page = timeline_page(state, records, {**EVENTS, stub.id: stub}, None)
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
