"""List pages of summaries, the case head, the capped count, and SQLite's query plans.

The contract part runs against both stores (like ``test_readmodel_contract``);
the plan tests pin the SQLite layout's promise that a list page is an index
range scan: no statement of ``list_cases`` sorts its matches in a temp b-tree
or scans the whole table for the filters the dashboard and the benchmark use.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.readmodel import memory, sqlite
from services.readmodel.store import (
    MAX_PAGE_SIZE,
    CaseQuery,
    InMemoryReadModel,
    ReadModel,
    SqliteReadModel,
)
from services.readmodel.values import SORT_FIELDS, SortField, case_summary
from tests.readmodel_samples import fold

FOLDED = fold()


@pytest.fixture(params=["memory", "sqlite"])
def filled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadModel]:
    s: ReadModel = (
        InMemoryReadModel()
        if request.param == "memory"
        else SqliteReadModel(tmp_path / "rm.sqlite")
    )
    s.apply(FOLDED.batch())
    yield s
    s.close()


def test_list_items_are_the_summaries_of_the_stored_states(filled: ReadModel) -> None:
    page = filled.list_cases(CaseQuery(limit=MAX_PAGE_SIZE))
    assert page.total == len(FOLDED.states) and page.total_exact
    assert {s.case_id: s for s in page.items} == {
        cid: case_summary(st) for cid, st in FOLDED.states.items()
    }


def test_get_case_is_the_stored_snapshot(filled: ReadModel) -> None:
    for case_id, state in FOLDED.states.items():
        assert state.last_entry is not None and state.entry_count, case_id
        assert filled.get_case(case_id) == state
    assert filled.get_case("cand:3:99-cv-99999") is None


def test_tombstone_removes_the_case(filled: ReadModel) -> None:
    from services.readmodel.values import Batch

    case_id = next(iter(FOLDED.states))
    filled.apply(Batch(cases=((case_id, None),)))
    assert filled.get_case(case_id) is None


@pytest.mark.parametrize("cap", [1, 2])
def test_total_stops_at_the_count_cap(
    filled: ReadModel, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    monkeypatch.setattr(sqlite, "COUNT_CAP", cap)
    monkeypatch.setattr(memory, "COUNT_CAP", cap)
    assert len(FOLDED.states) > cap
    page = filled.list_cases(CaseQuery(limit=MAX_PAGE_SIZE))
    assert (page.total, page.total_exact) == (cap, False)
    assert len(page.items) == len(FOLDED.states)  # the cap limits the count, not the page
    one = filled.list_cases(CaseQuery(limit=MAX_PAGE_SIZE, q="linkedin"))
    assert (one.total, one.total_exact) == (len(one.items), True) and len(one.items) <= cap


def test_sqlite_case_rows_are_narrow_and_snapshots_compressed(tmp_path: Path) -> None:
    store = SqliteReadModel(tmp_path / "rm.sqlite")
    store.apply(FOLDED.batch())
    store.close()
    conn = sqlite3.connect(tmp_path / "rm.sqlite")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(cases)")]
    assert "state_json" not in columns and "summary_json" in columns
    docs = conn.execute("SELECT snapshot_z FROM case_docs").fetchall()
    assert len(docs) == len(FOLDED.states)
    assert all(b'"state_version":2' in zlib.decompress(d) for (d,) in docs)
    assert all(b'"entries"' not in zlib.decompress(d) for (d,) in docs)
    conn.close()


# --- query plans -----------------------------------------------------------------------------

LIST_QUERIES: list[CaseQuery] = [
    CaseQuery(),
    CaseQuery(statuses=("closed",), courts=("cand",)),
    CaseQuery(statuses=("open",)),
    CaseQuery(courts=("nysd",), dispositions=("settled",)),
    CaseQuery(class_action=True),
    CaseQuery(courts=("cand",), sort="date_filed", descending=False),
    CaseQuery(statuses=("closed",), dispositions=("voluntary_dismissal",), courts=("cand",)),
    CaseQuery(
        statuses=("closed",),
        dispositions=("voluntary_dismissal",),
        courts=("cand",),
        filed_from=dt.date(2019, 1, 1),
    ),
    CaseQuery(courts=("cand",), terminated_from=dt.date(2020, 1, 1), sort="date_filed"),
    *(CaseQuery(sort=f, descending=d) for f in SORT_FIELDS for d in (True, False)),
    *(CaseQuery(statuses=("closed",), sort=f) for f in ("updated_at",)),
    *(CaseQuery(courts=("cand",), sort=f) for f in ("updated_at", "date_filed")),
]


def _plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: CaseQuery) -> list[str]:
    """EXPLAIN QUERY PLAN of every page statement ``list_cases`` runs for ``query``."""
    traced: list[str] = []
    real_connect = SqliteReadModel._connect

    def connect(self: SqliteReadModel) -> sqlite3.Connection:
        conn = real_connect(self)
        conn.set_trace_callback(traced.append)  # the statements, parameters bound
        return conn

    monkeypatch.setattr(SqliteReadModel, "_connect", connect)
    store = SqliteReadModel(tmp_path / "plans.sqlite")
    store.apply(FOLDED.batch())
    traced.clear()
    store.list_cases(query)
    store.close()
    conn = sqlite3.connect(tmp_path / "plans.sqlite")
    pages = [sql for sql in traced if sql.lstrip().startswith("SELECT") and "summary_json" in sql]
    plans = [" | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)) for sql in pages]
    conn.close()
    return plans


@pytest.mark.parametrize(
    "query",
    LIST_QUERIES,
    ids=lambda q: f"{q.sort}-{q.statuses}-{q.courts}-{q.dispositions}-{q.class_action}",
)
def test_sqlite_list_pages_walk_an_index_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: CaseQuery
) -> None:
    plans = _plans(tmp_path, monkeypatch, query)
    assert plans, "no page statement traced"
    for plan in plans:
        assert "TEMP B-TREE" not in plan, plan
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan


def test_sort_fields_are_all_indexed() -> None:
    sort: SortField
    for sort in SORT_FIELDS:
        assert sqlite._SORT_COLUMN[sort] in sqlite._SCHEMA


def test_an_index_added_to_the_layout_is_created_on_open_without_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "readmodel.sqlite"
    store = sqlite.SqliteReadModel(path)
    store.apply(fold().batch())
    store.close()
    with sqlite3.connect(path) as conn:  # a file written before the index existed
        conn.execute("DROP INDEX cases_court_disposition")
    conn.close()
    reopened = sqlite.SqliteReadModel(path)
    try:
        with sqlite3.connect(path) as conn:
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            }
        conn.close()
        assert "cases_court_disposition" in names
        assert reopened.counts()["cases"] == len(fold().states), "the rows were kept, not rebuilt"
        page = reopened.list_cases(
            CaseQuery(courts=("cand",), dispositions=("voluntary_dismissal",))
        )
        assert [s.case_id for s in page.items] == ["cand:5:25-cv-00709"]
    finally:
        reopened.close()


def test_a_remembered_count_follows_every_write_to_the_file(tmp_path: Path) -> None:
    # the capped count is remembered per filter and read-model version; a write by this
    # store, by another store on the same file (another API process) or a reset must
    # never leave a stale total behind
    from services.readmodel.values import Batch

    path = tmp_path / "rm.sqlite"
    mine, other = SqliteReadModel(path), SqliteReadModel(path)
    try:
        mine.apply(FOLDED.batch())
        n = len(FOLDED.states)
        query = CaseQuery(limit=1)
        assert mine.list_cases(query).total == n
        assert mine.list_cases(query).total == n  # remembered
        case_id, state = next(iter(FOLDED.states.items()))
        other.apply(Batch(cases=((case_id, None),)))
        assert mine.list_cases(query).total == n - 1
        mine.apply(Batch(cases=((case_id, state),)))
        assert mine.list_cases(query).total == n
        assert other.list_cases(query).total == n
        other.reset()
        assert mine.list_cases(query).total == 0
    finally:
        mine.close()
        other.close()
