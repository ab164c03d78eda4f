"""One contract, every read model: the in-memory and the SQLite store must agree.

Each test runs against both implementations (the ``store`` fixture is
parametrised), with states, events and alerts built by the real pure core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from schemas.projection import CaseState
from services.readmodel.store import (
    MAX_PAGE_SIZE,
    AlertFilter,
    Batch,
    CaseCursor,
    CaseQuery,
    InMemoryReadModel,
    QueryError,
    ReadModel,
    RowError,
    SqliteReadModel,
    StaleBatchError,
)
from services.readmodel.values import SORT_FIELDS, CaseSummary, SortField
from tests.readmodel_samples import REF_CASE_ID, SAMPLES, fold

FOLDED = fold()
ALL_IDS = sorted(FOLDED.states)


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


def ids(page_items: Sequence[CaseState | CaseSummary]) -> list[str]:
    return [s.case_id for s in page_items]


def query_ids(store: ReadModel, **kw: object) -> list[str]:
    page = store.list_cases(CaseQuery(limit=MAX_PAGE_SIZE, **kw))  # type: ignore[arg-type]
    assert page.next is None
    assert page.total == len(page.items)
    return sorted(ids(page.items))


# --- writes ---------------------------------------------------------------------


def test_latest_state_per_case_replaces_the_earlier_one(store: ReadModel) -> None:
    older = next(s for s in FOLDED.history if s.case_id == REF_CASE_ID)
    newest = FOLDED.states[REF_CASE_ID]
    assert older != newest
    result = store.apply(Batch(cases=((REF_CASE_ID, older), (REF_CASE_ID, newest))))
    assert result.cases_upserted == 2
    assert store.get_case(REF_CASE_ID) == newest
    assert store.counts()["cases"] == 1


def test_tombstone_deletes_the_case_and_its_search_entry(filled: ReadModel) -> None:
    assert query_ids(filled, q="linkedin") == [REF_CASE_ID]
    result = filled.apply(Batch(cases=((REF_CASE_ID, None),)))
    assert result.cases_deleted == 1
    assert filled.get_case(REF_CASE_ID) is None
    assert query_ids(filled, q="linkedin") == []
    assert filled.counts()["cases"] == len(ALL_IDS) - 1


def test_redelivered_events_and_alerts_are_stored_once(filled: ReadModel) -> None:
    before = filled.counts()
    again = filled.apply(FOLDED.batch())
    assert again.events_added == 0 and again.events_duplicate == len(FOLDED.events)
    assert again.alerts_added == 0 and again.alerts_duplicate == len(FOLDED.alerts)
    assert (
        filled.counts()
        == before
        == {
            "cases": len(ALL_IDS),
            "events": len(FOLDED.events),
            "alerts": len(FOLDED.alerts),
        }
    )
    assert [a.seq for a in filled.alerts_after(0, AlertFilter(), 100)] == list(
        range(1, len(FOLDED.alerts) + 1)
    )


def test_alert_seq_has_no_gaps_after_duplicates(store: ReadModel) -> None:
    first, *rest = FOLDED.alerts
    store.apply(Batch(alerts=(first, first)))
    store.apply(Batch(alerts=(first,)))
    store.apply(Batch(alerts=tuple(rest)))
    assert [a.seq for a in store.alerts_after(0, AlertFilter(), 100)] == list(
        range(1, len(FOLDED.alerts) + 1)
    )


def test_offsets_are_stored_with_the_rows(store: ReadModel) -> None:
    batch = FOLDED.batch()
    store.apply(
        Batch(
            cases=batch.cases, events=batch.events, offsets={("t.states", 0): 7, ("t.events", 1): 3}
        )
    )
    store.apply(Batch(offsets={("t.states", 0): 9}))
    assert store.offsets() == {("t.states", 0): 9, ("t.events", 1): 3}


def test_a_batch_that_fails_midway_leaves_neither_rows_nor_offsets(store: ReadModel) -> None:
    batch = FOLDED.batch()
    broken = Batch(
        cases=batch.cases,
        events=batch.events,
        alerts=(batch.alerts[0], object()),  # type: ignore[arg-type]
        offsets={("t.alerts", 0): 2},
    )
    with pytest.raises(AttributeError):  # the second "alert" is not one
        store.apply(broken)
    assert store.offsets() == {}
    assert store.counts() == {"cases": 0, "events": 0, "alerts": 0}
    assert store.get_case(REF_CASE_ID) is None
    # and the store still works afterwards
    store.apply(Batch(cases=batch.cases[:1], offsets={("t.states", 0): 1}))
    assert store.offsets() == {("t.states", 0): 1}


def test_a_row_the_store_cannot_hold_is_a_row_error_and_applies_nothing(store: ReadModel) -> None:
    """A state that decodes but whose UTC instant is past year 9999 (issue 12): RowError, not a crash."""
    state = FOLDED.states[REF_CASE_ID]
    late = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1)))
    poison = state.model_copy(update={"updated_at": late})
    batch = FOLDED.batch()
    with pytest.raises(RowError, match="OverflowError"):
        store.apply(Batch(cases=(*batch.cases, (REF_CASE_ID, poison)), events=batch.events,
                          offsets={("t.states", 0): 5}))  # fmt: skip
    assert store.offsets() == {}
    assert store.counts() == {"cases": 0, "events": 0, "alerts": 0}
    store.apply(Batch(cases=batch.cases[:1], offsets={("t.states", 0): 1}))
    assert store.offsets() == {("t.states", 0): 1}


def test_reset_drops_everything_but_alert_seq_never_goes_back(filled: ReadModel) -> None:
    filled.apply(Batch(offsets={("t.alerts", 0): 4}))
    last = filled.last_alert_seq()
    assert last == len(FOLDED.alerts)
    filled.reset()
    assert filled.counts() == {"cases": 0, "events": 0, "alerts": 0}
    assert filled.offsets() == {}
    assert filled.get_case(REF_CASE_ID) is None
    assert query_ids(filled, q="linkedin") == []
    filled.apply(Batch(alerts=tuple(FOLDED.alerts[:1])))
    assert [a.seq for a in filled.alerts_after(0, AlertFilter(), 10)] == [last + 1]


def test_reset_starts_a_generation_that_refuses_batches_read_before_it(store: ReadModel) -> None:
    cases = FOLDED.batch().cases
    g = store.generation()
    store.apply(Batch(cases=cases[:1], offsets={("t.states", 0): 1}, generation=g))
    store.reset()
    assert store.generation() == g + 1
    with pytest.raises(StaleBatchError):
        store.apply(Batch(cases=cases, offsets={("t.states", 0): 9}, generation=g))
    assert store.counts()["cases"] == 0 and store.offsets() == {}
    store.apply(Batch(cases=cases, offsets={("t.states", 0): 9}, generation=g + 1))
    store.apply(Batch(offsets={("t.states", 1): 2}))  # no generation: unchecked
    assert store.offsets() == {("t.states", 0): 9, ("t.states", 1): 2}


# --- events ----------------------------------------------------------------------


def test_case_events_in_event_time_order_and_as_of(filled: ReadModel) -> None:
    events = filled.case_events(REF_CASE_ID)
    assert [e.data.entry.document_number for e in events] == [1, 5, 12]
    assert events == [e for e in FOLDED.events if e.subject == REF_CASE_ID]
    until = filled.case_events(REF_CASE_ID, until=dt.date(2025, 1, 25))
    assert [e.data.entry.document_number for e in until] == [1, 5]
    assert filled.case_events(REF_CASE_ID, until=dt.date(2025, 1, 20)) == []
    assert filled.case_events("cand:5:25-cv-99999") == []


def test_events_by_id_returns_only_stored_ids(filled: ReadModel) -> None:
    wanted = [FOLDED.events[0].id, "ev_not_there", FOLDED.events[2].id]
    got = filled.events_by_id(wanted)
    assert got == {FOLDED.events[0].id: FOLDED.events[0], FOLDED.events[2].id: FOLDED.events[2]}


# --- alerts ----------------------------------------------------------------------


def test_alerts_after_resumes_from_a_seq_with_filters(filled: ReadModel) -> None:
    everything = filled.alerts_after(0, AlertFilter(), 100)
    assert [a.alert for a in everything] == FOLDED.alerts
    assert [a.seq for a in filled.alerts_after(2, AlertFilter(), 100)] == [3, 4]
    assert [a.seq for a in filled.alerts_after(0, AlertFilter(), 2)] == [1, 2]
    cand = filled.alerts_after(0, AlertFilter(court="cand"), 100)
    assert {a.alert.data.court_id for a in cand} == {"cand"} and len(cand) == 2
    ref = filled.alerts_after(0, AlertFilter(case_id=REF_CASE_ID), 100)
    assert [(a.alert.data.from_status, a.alert.data.to_status) for a in ref] == [("open", "closed")]
    assert filled.alerts_after(0, AlertFilter(types=("complaint.amended",)), 100) == []
    assert len(filled.alerts_after(0, AlertFilter(types=("status.changed",)), 100)) == 4


def test_recent_alerts_newest_first_between_since_and_before(filled: ReadModel) -> None:
    assert [a.seq for a in filled.recent_alerts(AlertFilter(), limit=100)] == [4, 3, 2, 1]
    assert [a.seq for a in filled.recent_alerts(AlertFilter(), before=4, limit=2)] == [3, 2]
    assert [a.seq for a in filled.recent_alerts(AlertFilter(), since=2, limit=100)] == [4, 3]
    assert [
        a.seq for a in filled.recent_alerts(AlertFilter(court="cand"), before=3, limit=100)
    ] == [1]
    assert filled.last_alert_seq() == 4


# --- case queries ----------------------------------------------------------------


def test_filters_select_the_expected_cases(filled: ReadModel) -> None:
    assert query_ids(filled) == ALL_IDS
    assert query_ids(filled, statuses=("closed",)) == sorted(
        ["cand:5:25-cv-00709", "txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(filled, statuses=("open", "stayed")) == sorted(
        ["nysd:1:24-cv-01234", "cand:3:24-cv-07777", "nysd:1:25-cv-00002"]
    )
    assert query_ids(filled, dispositions=("voluntary_dismissal",)) == [REF_CASE_ID]
    assert query_ids(filled, dispositions=("settled", "judgment")) == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(filled, courts=("cand",)) == sorted([REF_CASE_ID, "cand:3:24-cv-07777"])
    assert query_ids(filled, courts=("nysd", "ilnd")) == sorted(
        ["nysd:1:24-cv-01234", "nysd:1:25-cv-00002", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(filled, nature_of_suit="440") == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(filled, nature_of_suit="other STATUTORY") == sorted(
        [REF_CASE_ID, "cand:3:24-cv-07777"]
    )
    assert query_ids(filled, class_action=True) == sorted([REF_CASE_ID, "cand:3:24-cv-07777"])
    assert query_ids(filled, class_action=False) == sorted(
        set(ALL_IDS) - {REF_CASE_ID, "cand:3:24-cv-07777"}
    )
    assert query_ids(filled, filed_from=dt.date(2025, 1, 1)) == sorted(
        [REF_CASE_ID, "nysd:1:25-cv-00002"]
    )
    assert query_ids(filled, filed_to=dt.date(2023, 11, 10)) == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(
        filled, filed_from=dt.date(2024, 3, 5), filed_to=dt.date(2024, 7, 1)
    ) == sorted(["nysd:1:24-cv-01234", "cand:3:24-cv-07777"])
    assert query_ids(filled, terminated_from=dt.date(2024, 1, 1)) == sorted(
        [REF_CASE_ID, "txnd:3:23-cv-00456"]
    )
    assert query_ids(filled, terminated_to=dt.date(2024, 6, 15)) == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert query_ids(filled, statuses=("closed",), courts=("cand",), class_action=True) == [
        REF_CASE_ID
    ]
    assert query_ids(filled, statuses=("stayed",), dispositions=("settled",)) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("LinkedIn", [REF_CASE_ID]),
        ("linked", [REF_CASE_ID]),  # word prefix
        ("alessandro", [REF_CASE_ID]),  # a party, not in the case name
        ("de la torre linkedin", [REF_CASE_ID]),  # all words must match
        ("torre meta", []),
        ("muller", ["txnd:3:23-cv-00456"]),  # diacritics folded
        ("MÜLLER", ["txnd:3:23-cv-00456"]),
        ("inc", ["cand:3:24-cv-07777", "nysd:1:24-cv-01234"]),
        ("25-cv-00709", [REF_CASE_ID]),  # docket number words
        ("nobody-here", []),
        (
            '"linkedin" OR meta*',
            [],
        ),  # FTS syntax is not interpreted: words "or", "meta" required too
    ],
)
def test_full_text_search_over_names_parties_and_docket_numbers(
    filled: ReadModel, q: str, expected: list[str]
) -> None:
    assert query_ids(filled, q=q) == sorted(expected)


def _expected_order(field: SortField, descending: bool) -> list[str]:
    """The documented order, computed from the states themselves: value, then case_id; nulls last."""

    def value(s: CaseState) -> str | None:
        v = {
            "updated_at": s.updated_at,
            "date_filed": s.date_filed,
            "date_terminated": s.date_terminated,
            "case_name": s.case_name.lower() if s.case_name else None,
        }[field]
        return None if v is None else str(v)

    states = list(FOLDED.states.values())
    present = sorted(
        (s for s in states if value(s) is not None),
        key=lambda s: (value(s), s.case_id),
        reverse=descending,
    )
    missing = sorted(
        (s for s in states if value(s) is None), key=lambda s: s.case_id, reverse=descending
    )
    return [s.case_id for s in present + missing]


@pytest.mark.parametrize("field", SORT_FIELDS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_pagination_walks_every_case_once_in_order(
    filled: ReadModel, field: SortField, descending: bool, limit: int
) -> None:
    seen: list[str] = []
    cursor: CaseCursor | None = None
    for _ in range(len(ALL_IDS) + 2):
        page = filled.list_cases(
            CaseQuery(sort=field, descending=descending, after=cursor, limit=limit)
        )
        assert page.total == len(ALL_IDS)
        assert len(page.items) <= limit
        seen += ids(page.items)
        cursor = page.next
        if cursor is None:
            break
    else:
        pytest.fail(f"pagination did not end; seen so far: {seen}")
    assert seen == _expected_order(field, descending)


def test_pagination_with_filters_and_search(filled: ReadModel) -> None:
    q = CaseQuery(q="inc", sort="case_name", descending=False, limit=1)
    first = filled.list_cases(q)
    assert (
        ids(first.items) == ["cand:3:24-cv-07777"] and first.total == 2 and first.next is not None
    )
    second = filled.list_cases(
        CaseQuery(q="inc", sort="case_name", descending=False, limit=1, after=first.next)
    )
    assert ids(second.items) == ["nysd:1:24-cv-01234"] and second.next is None


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_PAGE_SIZE + 1}, "limit"),
        ({"filed_from": dt.date(2025, 2, 1), "filed_to": dt.date(2025, 1, 1)}, "filed_from"),
        (
            {"terminated_from": dt.date(2025, 2, 1), "terminated_to": dt.date(2025, 1, 1)},
            "terminated_from",
        ),
        ({"q": " -- ! "}, "q"),
        ({"sort": "case_name", "after": CaseCursor("updated_at", True, None, "x:1")}, "cursor"),
        ({"sort": "nonsense"}, "sort"),
    ],
)
def test_queries_it_cannot_answer_are_refused_with_the_field_named(
    kw: dict[str, object], field: str
) -> None:
    with pytest.raises(QueryError) as info:
        CaseQuery(**kw)  # type: ignore[arg-type]
    assert info.value.field == field


# --- stats -----------------------------------------------------------------------


def test_stats_count_statuses_dispositions_courts_and_months(filled: ReadModel) -> None:
    st = filled.stats()
    assert st.total_cases == 6
    assert dict(st.by_status) == {"open": 2, "closed": 3, "stayed": 1}
    assert dict(st.by_disposition) == {"voluntary_dismissal": 1, "settled": 1, "judgment": 1}
    assert dict(st.by_court) == {"cand": 2, "nysd": 2, "txnd": 1, "ilnd": 1}
    assert {k: dict(v) for k, v in st.dispositions_by_court.items()} == {
        "cand": {"voluntary_dismissal": 1},
        "txnd": {"settled": 1},
        "ilnd": {"judgment": 1},
    }
    months = {m.month: (m.opened, m.closed) for m in st.per_month}
    assert months == {
        "2022-02": (1, 0),
        "2023-05": (0, 1),
        "2023-11": (1, 0),
        "2024-03": (1, 0),
        "2024-06": (0, 1),
        "2024-07": (1, 0),
        "2025-01": (1, 1),
        "2025-02": (1, 0),
    }
    assert [m.month for m in st.per_month] == sorted(months)


def test_empty_store_answers_every_query(store: ReadModel) -> None:
    assert store.get_case(REF_CASE_ID) is None
    page = store.list_cases(CaseQuery(q="linkedin"))
    assert page.items == () and page.next is None and page.total == 0
    assert store.stats().total_cases == 0 and store.stats().per_month == ()
    assert store.alerts_after(0, AlertFilter(), 10) == [] and store.last_alert_seq() == 0
    assert store.offsets() == {}


# --- SQLite specifics -------------------------------------------------------------


def test_sqlite_keeps_rows_and_offsets_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "rm.sqlite"
    first = SqliteReadModel(path)
    batch = FOLDED.batch()
    first.apply(
        Batch(cases=batch.cases, events=batch.events, alerts=batch.alerts, offsets={("t", 0): 11})
    )
    first.reset()
    first.apply(
        Batch(cases=batch.cases, events=batch.events, alerts=batch.alerts, offsets={("t", 0): 11})
    )
    first.close()
    again = SqliteReadModel(path)
    try:
        assert again.offsets() == {("t", 0): 11}
        assert again.generation() == 1
        assert again.get_case(REF_CASE_ID) == FOLDED.states[REF_CASE_ID]
        assert query_ids(again, q="linkedin") == [REF_CASE_ID]
        assert again.last_alert_seq() == 2 * len(FOLDED.alerts)
    finally:
        again.close()


def test_sqlite_file_uses_wal_and_a_layout_version(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "rm.sqlite"
    SqliteReadModel(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"cases_status", "cases_court", "events_case", "alerts_case"} <= indexes
    finally:
        conn.close()


def test_sqlite_file_of_another_layout_is_dropped_for_a_rebuild(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "rm.sqlite"
    store = SqliteReadModel(path)
    store.apply(Batch(cases=FOLDED.batch().cases, offsets={("t", 0): 5}))
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    again = SqliteReadModel(path)
    try:
        assert again.offsets() == {} and again.counts()["cases"] == 0
    finally:
        again.close()


def test_samples_cover_every_sort_with_a_null(filled: ReadModel) -> None:
    """Guard for the pagination tests: the samples must include null sort values."""
    states = FOLDED.states.values()
    assert any(s.updated_at is None for s in states)
    assert any(s.case_name is None for s in states)
    assert any(s.date_terminated is None for s in states)
    assert len(SAMPLES) == len(ALL_IDS)


# --- timelines --------------------------------------------------------------------


def _timeline_ids(store: ReadModel, case_id: str, limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    after = None
    while True:
        part = store.timeline(case_id, after, limit)
        seen += [e.id for r, e in part.entries if r.event_id == e.id]
        after = part.next
        if after is None:
            return seen, part.total


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_a_timeline_pages_through_the_entries_the_fold_keeps(filled: ReadModel, limit: int) -> None:
    for case_id, memory in FOLDED.memories.items():
        assert _timeline_ids(filled, case_id, limit) == (
            [r.event_id for r in memory.entries],
            len(memory.entries),
        )


def test_a_timeline_keeps_the_better_version_of_an_entry_in_either_order(
    store: ReadModel,
) -> None:
    from schemas.events import Entry
    from services.core.build import build_event
    from tests.readmodel_samples import REFERENCE, VOLUNTARY_WITHOUT

    full = [e for e in FOLDED.events if e.subject == REF_CASE_ID]
    last = full[-1].data.entry
    stub = build_event(
        REFERENCE.info,
        Entry(entry_key=last.entry_key, date_filed=last.date_filed, document_number=12,
              text="Notice of Voluntary Dismissal", text_is_stub=True),
        VOLUNTARY_WITHOUT, source="rss", classifier_version="test",
    )  # fmt: skip
    store.apply(Batch(events=(stub,)))
    assert _timeline_ids(store, REF_CASE_ID, 10) == ([stub.id], 1)
    store.apply(Batch(events=tuple(full)))
    store.apply(Batch(events=(stub,)))
    assert _timeline_ids(store, REF_CASE_ID, 10) == ([e.id for e in full], 3)


def test_an_unknown_case_has_an_empty_timeline(filled: ReadModel) -> None:
    part = filled.timeline("cand:5:25-cv-99999", None, 10)
    assert (part.entries, part.next, part.total) == ((), None, 0)
