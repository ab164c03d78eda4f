"""Calendars, entry classes and milestones in the read model: one contract, both stores.

What the read model keeps as events arrive (each case's calendar, each timeline
entry's class) must equal what the pure core computes from the whole log, in
whatever batches and order the events came; the cross-case lists read it.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.readmodel.store import (
    Batch,
    DeadlineQuery,
    InMemoryReadModel,
    MilestoneQuery,
    QueryError,
    ReadModel,
    SqliteReadModel,
)
from services.readmodel.views import case_deadlines, chosen_entries
from tests.calendar_samples import ACME_ID, CALENDAR_SAMPLES, ORBIT_ID
from tests.readmodel_samples import REF_CASE_ID, fold

FOLDED = fold(CALENDAR_SAMPLES)
D = dt.date.fromisoformat


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadModel]:
    s: ReadModel = (
        InMemoryReadModel()
        if request.param == "memory"
        else SqliteReadModel(tmp_path / "rm.sqlite")
    )
    yield s
    s.close()


@pytest.fixture
def filled(store: ReadModel) -> ReadModel:
    store.apply(FOLDED.batch())
    return store


def expected_calendar(case_id: str) -> tuple[object, ...]:
    return case_deadlines(
        e for _, e in chosen_entries(e for e in FOLDED.events if e.subject == case_id)
    )


def window(store: ReadModel, start: str, end: str, **kw: object) -> list[tuple[str, str, str]]:
    page = store.upcoming_deadlines(DeadlineQuery(start=D(start), end=D(end), limit=200, **kw))  # type: ignore[arg-type]
    assert page.next is None and page.total == len(page.items)
    return [(d.case_id, d.date.isoformat(), d.status) for d in page.items]


# --- calendars kept per case -----------------------------------------------------------


def test_each_cases_calendar_is_the_calendar_of_its_timeline(filled: ReadModel) -> None:
    for case_id in FOLDED.states:
        assert filled.deadlines(case_id) == expected_calendar(case_id)
    ref = filled.deadlines(REF_CASE_ID)
    assert [(i.date, i.kind, i.status) for i in ref] == [
        (D("2025-04-22"), "filing_due", "pending"),
        (D("2025-05-06"), "conference", "vacated"),
    ]
    assert filled.deadlines("cand:5:25-cv-99999") == ()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_calendar_is_the_same_whatever_batches_and_order_the_events_arrive_in(
    store: ReadModel, seed: int
) -> None:
    """A late entry (the reset of entry 8 after the vacate of entry 13) is placed by event time."""
    events = list(FOLDED.events)
    random.Random(seed).shuffle(events)
    store.apply(Batch(cases=FOLDED.batch().cases))
    cuts = sorted(random.Random(seed).sample(range(1, len(events)), 3))
    for lo, hi in zip([0, *cuts], [*cuts, len(events)]):
        store.apply(Batch(events=tuple(events[lo:hi])))
    store.apply(Batch(events=tuple(events)))  # a redelivery changes nothing
    for case_id in FOLDED.states:
        assert store.deadlines(case_id) == expected_calendar(case_id), case_id


def test_a_vacating_entry_updates_the_stored_calendar_in_its_batch(store: ReadModel) -> None:
    ref = [e for e in FOLDED.events if e.subject == REF_CASE_ID]
    store.apply(Batch(cases=FOLDED.batch().cases, events=tuple(ref[:-1])))
    conference = store.deadlines(REF_CASE_ID)[1]
    assert (conference.date, conference.time, conference.status) == (
        D("2025-05-06"),
        dt.time(13, 30),
        "pending",
    )
    store.apply(Batch(events=(ref[-1],)))
    conference = store.deadlines(REF_CASE_ID)[1]
    assert conference.status == "vacated" and conference.updated_by == f"{REF_CASE_ID}#13"
    assert window(store, "2025-05-01", "2025-05-31") == [(REF_CASE_ID, "2025-05-06", "vacated")]


def test_reset_drops_the_calendars(filled: ReadModel) -> None:
    filled.reset()
    assert filled.deadlines(REF_CASE_ID) == ()
    assert window(filled, "2024-01-01", "2024-12-31") == []
    assert filled.milestones(MilestoneQuery()).items == ()


# --- deadlines across cases --------------------------------------------------------------


def test_upcoming_deadlines_across_cases_in_date_time_and_case_order(filled: ReadModel) -> None:
    assert window(filled, "2024-06-15", "2024-07-05") == [
        (ACME_ID, "2024-06-20", "pending"),  # 10:00, like Orbit's hearing: case id decides
        (ORBIT_ID, "2024-06-20", "pending"),
        (ORBIT_ID, "2024-07-01", "pending"),
    ]
    # both ends are inclusive
    assert window(filled, "2024-07-01", "2024-07-01") == [(ORBIT_ID, "2024-07-01", "pending")]
    assert window(filled, "2024-07-02", "2025-04-21") == []


def test_an_upcoming_deadline_carries_its_case_and_the_entry_that_set_it(
    filled: ReadModel,
) -> None:
    (cms,) = filled.upcoming_deadlines(
        DeadlineQuery(start=D("2025-04-22"), end=D("2025-04-22"))
    ).items
    assert (cms.case_id, cms.case_name, cms.court_id) == (
        REF_CASE_ID,
        "De La Torre v. LinkedIn Corporation",
        "cand",
    )
    # the case is closed; the docket never vacated the statement: it stays listed, pending
    assert (cms.case_status, cms.status, cms.kind) == ("closed", "pending", "filing_due")
    assert cms.set_by == cms.updated_by == f"{REF_CASE_ID}#3"
    assert "Case Management Statement due by 4/22/2025" in cms.text


def test_the_status_filter_leaves_out_vacated_deadlines(filled: ReadModel) -> None:
    assert window(filled, "2025-04-01", "2025-05-31") == [
        (REF_CASE_ID, "2025-04-22", "pending"),
        (REF_CASE_ID, "2025-05-06", "vacated"),
    ]
    assert window(filled, "2025-04-01", "2025-05-31", statuses=("pending",)) == [
        (REF_CASE_ID, "2025-04-22", "pending")
    ]
    assert window(filled, "2025-04-01", "2025-05-31", statuses=("vacated",)) == [
        (REF_CASE_ID, "2025-05-06", "vacated")
    ]


def test_upcoming_pages_walk_every_deadline_once(filled: ReadModel) -> None:
    everything = window(filled, "2024-01-01", "2024-12-31") + window(
        filled, "2025-01-01", "2025-12-31"
    )
    seen: list[tuple[str, str, str]] = []
    after = None
    while True:
        page = filled.upcoming_deadlines(
            DeadlineQuery(start=D("2024-01-01"), end=D("2024-12-31"), after=after, limit=1)
        )
        assert page.total == 3
        seen += [(d.case_id, d.date.isoformat(), d.status) for d in page.items]
        if page.next is None:
            break
        after = page.next
    assert seen == everything[:3]


def test_a_case_the_read_model_does_not_hold_lists_no_deadline(store: ReadModel) -> None:
    store.apply(Batch(events=tuple(FOLDED.events)))  # entries before their case's state
    assert store.deadlines(REF_CASE_ID) == expected_calendar(REF_CASE_ID)
    assert (
        window(store, "2024-01-01", "2024-12-31") == window(store, "2025-01-01", "2025-12-31") == []
    )
    assert store.milestones(MilestoneQuery()).items == ()


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"start": D("2024-02-01"), "end": D("2024-01-31")}, "to", "before from"),
        ({"start": D("2024-01-01"), "end": D("2025-01-01")}, "to", "367 days"),
        ({"start": D("2024-01-01"), "end": D("2024-01-02"), "limit": 0}, "limit", "between 1"),
    ],
)
def test_a_deadline_window_it_cannot_answer_is_refused(
    kw: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(QueryError, match=words) as caught:
        DeadlineQuery(**kw)  # type: ignore[arg-type]
    assert caught.value.field == field
    DeadlineQuery(start=D("2024-01-01"), end=D("2024-12-31"))  # a leap year is 366 days: answered


# --- entry classes and milestones ------------------------------------------------------------


def test_the_timeline_filters_by_entry_class_and_counts_the_matches(filled: ReadModel) -> None:
    part = filled.timeline(ORBIT_ID, None, 10, classes=("order_on_motion_to_dismiss", "complaint"))
    assert [r.document_number for r, _ in part.entries] == [1, 31]
    assert part.total == 2
    first = filled.timeline(ORBIT_ID, None, 1, classes=("order_on_motion_to_dismiss", "complaint"))
    assert first.next is not None and first.total == 2
    rest = filled.timeline(
        ORBIT_ID, first.next, 1, classes=("order_on_motion_to_dismiss", "complaint")
    )
    assert [r.document_number for r, _ in rest.entries] == [31] and rest.next is None
    assert filled.timeline(ORBIT_ID, None, 10, classes=("judgment",)).total == 0
    assert filled.timeline(ORBIT_ID, None, 10).total == 4


def test_milestones_across_cases_newest_first_with_class_outcome_and_case(
    filled: ReadModel,
) -> None:
    page = filled.milestones(MilestoneQuery())
    assert [
        (m.case_id, m.record.document_number, m.entry_class, m.entry_outcome) for m in page.items
    ] == [
        (ACME_ID, 41, "order_on_motion_to_dismiss", "granted"),
        (ORBIT_ID, 31, "order_on_motion_to_dismiss", "granted_in_part"),
    ]
    acme = page.items[0]
    assert (acme.case_name, acme.court_id, acme.case_status) == (
        "Smith v. Acme Widgets Inc.",
        "nysd",
        "closed",
    )
    assert acme.event.data.entry.text.startswith("ORDER granting 30 Motion to Dismiss")
    assert page.next is None


def test_milestones_page_by_cursor_and_filter_by_case_and_class(filled: ReadModel) -> None:
    first = filled.milestones(MilestoneQuery(limit=1))
    assert [m.case_id for m in first.items] == [ACME_ID] and first.next is not None
    second = filled.milestones(MilestoneQuery(limit=1, before=first.next))
    assert [m.case_id for m in second.items] == [ORBIT_ID] and second.next is None
    only = filled.milestones(MilestoneQuery(case_id=ORBIT_ID))
    assert [m.record.document_number for m in only.items] == [31]
    assert filled.milestones(MilestoneQuery(classes=("judgment",))).items == ()
    assert filled.milestones(MilestoneQuery(case_id=REF_CASE_ID)).items == ()


def test_a_class_that_is_no_milestone_is_refused_by_name() -> None:
    with pytest.raises(QueryError, match="motion_to_dismiss is not a milestone class") as caught:
        MilestoneQuery(classes=("motion_to_dismiss",))
    assert caught.value.field == "entry_class"


# --- the SQLite layout -------------------------------------------------------------------


def test_sqlite_answers_the_cross_case_lists_from_their_indexes(tmp_path: Path) -> None:
    store = SqliteReadModel(tmp_path / "rm.sqlite")
    store.apply(FOLDED.batch())
    store.close()
    conn = sqlite3.connect(tmp_path / "rm.sqlite")
    try:
        plan = " ".join(
            r[3]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT d.case_id FROM deadlines d JOIN cases c ON c.case_id = d.case_id "
                "WHERE d.date >= '2024-01-01' AND d.date <= '2024-01-14' ORDER BY d.date, d.time, d.case_id, d.key"
            )
        )
        assert "USING COVERING INDEX deadlines_date" in plan and "TEMP B-TREE" not in plan, plan
        plan = " ".join(
            r[3]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT t.case_id FROM timeline t WHERE t.milestone = 1 "
                "ORDER BY t.date DESC, t.undocketed DESC, t.document_number DESC, t.sequence DESC, "
                "t.case_id DESC, t.entry_key DESC LIMIT 51"
            )
        )
        assert "timeline_milestones" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        conn.close()


def test_a_read_model_of_the_layout_before_classes_and_calendars_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "rm.sqlite"
    store = SqliteReadModel(path)
    store.apply(
        Batch(cases=FOLDED.batch().cases, events=tuple(FOLDED.events), offsets={("t", 0): 9})
    )
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 4")  # the layout without entry classes and deadlines
    conn.close()
    again = SqliteReadModel(path)
    try:
        assert again.offsets() == {} and again.counts() == {"cases": 0, "events": 0, "alerts": 0}
        again.apply(FOLDED.batch())
        assert again.deadlines(REF_CASE_ID) == expected_calendar(REF_CASE_ID)
    finally:
        again.close()
