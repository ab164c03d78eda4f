"""The read model in SQLite (the default): one file, WAL, indexes, FTS5 search.

* ``cases``: one narrow row per case: the indexed columns of
  :func:`services.readmodel.values.case_row` and the case's summary as JSON
  (what a list page returns, so a page never decodes whole states); one index
  per filter + sort a list uses, so a page is an index range scan.
  ``cases_fts`` is an external-content FTS5 index over case name, parties and
  docket number, kept in step by triggers.
* ``case_docs``: the latest ``CaseSnapshot`` (what ``GET /api/cases/{id}``
  shows), by ``cases.id``, as zlib-compressed JSON.
* ``events``: every docket event by id (raw JSON + case, entry key, date,
  document number) for timelines and ``as_of``.
* ``timeline``: per (case, entry key) the event of the version the fold keeps
  (its rank as a sortable string, :func:`_rank_key`) and its event-time
  position, indexed in that order: a timeline page is an index range scan.
  Snapshots list no entries since ``case.states`` v2; the timeline is the events'.
  Each row carries the entry's class and outcome
  (:func:`services.readmodel.views.entry_reading`; indexed per case, for the
  class filter), whether the class is a milestone (a partial index in
  event-time order across cases is the milestone feed) and whether its words
  set a date (``dated``).
* ``deadlines``: per case its calendar (:func:`services.core.deadlines.calendar`
  of its timeline's dated entries, in docket order), recomputed in the batch
  that changes one of those entries; indexed by date across cases (the
  "coming up" list is an index range scan).
* ``alerts``: every alert by id, numbered by a monotonically increasing ``seq``
  (``AUTOINCREMENT``: never reused, so a stream can resume after it).
* ``offsets``: (topic, partition) -> next offset to read.
* ``meta``: the generation (number of resets), which outlives ``reset()``.

``apply`` writes a batch's rows and offsets in one ``BEGIN IMMEDIATE``
transaction, so the file always holds exactly the records before the stored
offsets. The file is derived data: a file written by an older layout
(``PRAGMA user_version``) is dropped and rebuilt from the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from schemas.codec import (
    CodecError,
    decode_alert,
    decode_event,
    decode_snapshot,
    encode,
    encode_event,
    encode_snapshot,
)
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, EntryRecord
from schemas.vocabulary import EntryClass, Status
from services.core.deadlines import CalendarItem, DatedEntry, calendar
from services.core.evolve import order_key, rank, to_record
from services.readmodel.values import (
    COUNT_CAP,
    AlertFilter,
    Applied,
    Batch,
    CaseCursor,
    CaseDeadline,
    CasePage,
    CaseQuery,
    CaseSummary,
    DeadlinePage,
    DeadlineQuery,
    Milestone,
    MilestonePage,
    MilestoneQuery,
    Position,
    ReadModelError,
    RowError,
    SortField,
    StaleBatchError,
    Stats,
    StoredAlert,
    StoredDataError,
    TimelineKey,
    TimelineSlice,
    calendar_order,
    case_row,
    case_summary,
    fold_text,
    merge_months,
    time_key,
    utc_key,
)
from services.readmodel.views import entry_reading, sets_dates
from services.sqlite_open import enable_wal

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5
"""Bump when the layout changes; an older file is dropped and rebuilt from the log."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id              INTEGER PRIMARY KEY,
    case_id         TEXT NOT NULL UNIQUE,
    court_id        TEXT NOT NULL,
    docket_number   TEXT NOT NULL,
    status          TEXT NOT NULL,
    disposition     TEXT,
    nature_of_suit  TEXT,
    nos_folded      TEXT,
    class_action    INTEGER NOT NULL,
    date_filed      TEXT,
    date_terminated TEXT,
    updated_at      TEXT,
    case_name       TEXT,
    sort_name       TEXT,
    parties_text    TEXT NOT NULL,
    summary_json    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_updated_at ON cases (updated_at, case_id);
CREATE INDEX IF NOT EXISTS cases_date_filed ON cases (date_filed, case_id);
CREATE INDEX IF NOT EXISTS cases_date_terminated ON cases (date_terminated, case_id);
CREATE INDEX IF NOT EXISTS cases_sort_name ON cases (sort_name, case_id);
CREATE INDEX IF NOT EXISTS cases_status ON cases (status, updated_at, case_id);
-- trailing columns: the other filters are checked on the index entry, before the row is read
CREATE INDEX IF NOT EXISTS cases_court ON cases
    (court_id, updated_at, case_id, status, disposition, class_action, date_filed);
CREATE INDEX IF NOT EXISTS cases_court_filed ON cases
    (court_id, date_filed, case_id, status, disposition, class_action);
CREATE INDEX IF NOT EXISTS cases_disposition ON cases
    (disposition, updated_at, case_id, status, court_id, date_filed);
-- a court and a disposition together (a court's settlements, dismissals, ...): the
-- capped count walks only the matches, not every case of a court
CREATE INDEX IF NOT EXISTS cases_court_disposition ON cases
    (court_id, disposition, updated_at, case_id, status, class_action, date_filed);
CREATE INDEX IF NOT EXISTS cases_class_action ON cases (class_action, updated_at, case_id);

CREATE TABLE IF NOT EXISTS case_docs (
    id          INTEGER PRIMARY KEY,
    snapshot_z  BLOB NOT NULL
);

CREATE VIRTUAL TABLE IF NOT EXISTS cases_fts USING fts5 (
    case_name, parties_text, docket_number,
    content = 'cases', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, case_name, parties_text, docket_number)
    VALUES (new.id, new.case_name, new.parties_text, new.docket_number);
END;
CREATE TRIGGER IF NOT EXISTS cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, case_name, parties_text, docket_number)
    VALUES ('delete', old.id, old.case_name, old.parties_text, old.docket_number);
END;
CREATE TRIGGER IF NOT EXISTS cases_fts_update AFTER UPDATE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, case_name, parties_text, docket_number)
    VALUES ('delete', old.id, old.case_name, old.parties_text, old.docket_number);
    INSERT INTO cases_fts (rowid, case_name, parties_text, docket_number)
    VALUES (new.id, new.case_name, new.parties_text, new.docket_number);
END;

CREATE TABLE IF NOT EXISTS events (
    event_id        TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL,
    entry_key       TEXT NOT NULL,
    date            TEXT NOT NULL,
    document_number INTEGER,
    sequence        INTEGER,
    type            TEXT NOT NULL,
    event_json      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_case ON events (case_id, date);

CREATE TABLE IF NOT EXISTS timeline (
    case_id         TEXT NOT NULL,
    entry_key       TEXT NOT NULL,
    rank            TEXT NOT NULL,
    date            TEXT NOT NULL,
    undocketed      INTEGER NOT NULL,
    document_number INTEGER NOT NULL,
    sequence        INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    entry_class     TEXT NOT NULL,
    entry_outcome   TEXT,
    milestone       INTEGER NOT NULL,
    dated           INTEGER NOT NULL,
    PRIMARY KEY (case_id, entry_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timeline_order ON timeline
    (case_id, date, undocketed, document_number, sequence, entry_key);
CREATE INDEX IF NOT EXISTS timeline_class ON timeline
    (case_id, entry_class, date, undocketed, document_number, sequence, entry_key);
CREATE INDEX IF NOT EXISTS timeline_milestones ON timeline
    (date, undocketed, document_number, sequence, case_id, entry_key) WHERE milestone = 1;

CREATE TABLE IF NOT EXISTS deadlines (
    case_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    date        TEXT NOT NULL,
    time        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (case_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deadlines_date ON deadlines (date, time, case_id, key, status);

CREATE TABLE IF NOT EXISTS alerts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    court_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    alert_json  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_case ON alerts (case_id, seq);
CREATE INDEX IF NOT EXISTS alerts_court ON alerts (court_id, seq);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
INSERT OR IGNORE INTO meta VALUES ('writes', 0);

CREATE TABLE IF NOT EXISTS offsets (
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
) WITHOUT ROWID;
"""

_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS cases_court_disposition ON cases
    (court_id, disposition, updated_at, case_id, status, class_action, date_filed);
"""
"""Indexes added to the layout after a file of this ``SCHEMA_VERSION`` may have been written:
created on open when missing (no rebuild: once, ~27 s and +86 MiB on a 1M-case file), and in
``_SCHEMA`` for new files."""

_DROP = """
DROP TRIGGER IF EXISTS cases_fts_insert;
DROP TRIGGER IF EXISTS cases_fts_delete;
DROP TRIGGER IF EXISTS cases_fts_update;
DROP TABLE IF EXISTS cases_fts;
DROP TABLE IF EXISTS case_docs;
DROP TABLE IF EXISTS cases;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS timeline;
DROP TABLE IF EXISTS deadlines;
DROP TABLE IF EXISTS alerts;
DROP TABLE IF EXISTS offsets;
"""

_CASE_COLUMNS = (
    "case_id, court_id, docket_number, status, disposition, nature_of_suit, nos_folded, "
    "class_action, date_filed, date_terminated, updated_at, case_name, sort_name, parties_text, summary_json"
)
_UPSERT_CASE = (
    f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES ({', '.join('?' * 15)}) "
    "ON CONFLICT (case_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _CASE_COLUMNS.split(", ")[1:])
    + " RETURNING id"
)

_ROW_FAULTS = (OverflowError, ValueError, TypeError, UnicodeError)
"""Raised while turning a row into SQL values (an integer past 64 bits, a datetime whose UTC
instant is out of range, ...): the row is at fault, not the file."""

_SUMMARY: TypeAdapter[CaseSummary] = TypeAdapter(CaseSummary)
_ZLIB_LEVEL = 1
"""Snapshots compress ~3x even at level 1; higher levels cost fill time for a few per cent."""

_READ_CACHE_KIB = 8 * 1024
"""Page cache of each pooled (read) connection; the OS page cache holds the rest of the file.

No ``mmap_size``: every connection maps the file on its own, and a page mapped by
16 connections counts 16 times in the process's RSS."""
_WRITE_CACHE_KIB = 128 * 1024
"""The one writer connection's page cache: index pages of a large table stay in memory while
batches insert rows at random places of nine indexes."""

_SORT_COLUMN: dict[SortField, str] = {
    "updated_at": "updated_at",
    "date_filed": "date_filed",
    "date_terminated": "date_terminated",
    "case_name": "sort_name",
}


@dataclass(frozen=True, slots=True)
class JsonCasePage:
    """A :class:`CasePage` whose items are the stored summaries' JSON (``encode(CaseSummary)``)."""

    items_json: tuple[str, ...]
    next: CaseCursor | None
    total: int
    total_exact: bool


_COUNTS_KEPT = 1024
"""Remembered list counts (one per filter and read-model version); all dropped when full."""


class SqliteReadModel:
    """The read model in one SQLite file; safe to share between threads.

    Writes are serialised by a lock (SQLite has one writer); reads use pooled
    connections and, thanks to WAL, never wait for a write.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._pool: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._closed = False
        self._counts: dict[tuple[Any, ...], int] = {}
        self._counts_lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._write_lock, self._connection() as conn:
                enable_wal(conn)  # several processes may open a new file at once
                self._migrate(conn)
        except (sqlite3.Error, OSError) as exc:
            raise ReadModelError(f"cannot open the read model at {path}: {exc}") from exc

    # connections -------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute(f"PRAGMA cache_size = -{_READ_CACHE_KIB}")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise ReadModelError(f"the read model at {self.path} is closed")
        with self._pool_lock:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            with self._pool_lock:
                if self._closed:
                    conn.close()
                else:
                    self._pool.append(conn)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several statements see one consistent state."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def _writing(self, what: str) -> Iterator[sqlite3.Connection]:
        """The writer's own connection (bigger page cache), under the write lock, in one transaction."""
        with self._write_lock:
            if self._closed:
                raise ReadModelError(f"the read model at {self.path} is closed")
            if self._writer is None:
                self._writer = self._connect()
                self._writer.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except (sqlite3.IntegrityError, sqlite3.DataError) as exc:
                raise RowError(
                    f"{what} failed on {self.path}: {type(exc).__name__}: {exc}"
                ) from exc
            except sqlite3.Error as exc:
                raise ReadModelError(f"{what} failed on {self.path}: {exc}") from exc
            except _ROW_FAULTS as exc:
                raise RowError(
                    f"{what}: a row cannot be stored: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            missing = [
                name
                for name in re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", _ADDED_INDEXES)
                if conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
                ).fetchone()
                is None
            ]
            if missing:
                log.info("read model %s: creating the indexes %s", self.path, ", ".join(missing))
                conn.executescript(f"BEGIN IMMEDIATE;\n{_ADDED_INDEXES}COMMIT;")
            if (
                conn.execute("SELECT 1 FROM meta WHERE key = 'writes'").fetchone() is None
            ):  # a file of before
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('writes', 0)")
            return
        if version != 0:
            log.warning(
                "read model %s has layout v%s, this code writes v%s: dropping it (it is rebuilt from the log)",
                self.path,
                version,
                SCHEMA_VERSION,
            )
        self._recreate(conn, drop=version != 0)

    def _recreate(self, conn: sqlite3.Connection, *, drop: bool) -> None:
        """(Drop and) create every table in one transaction; alert ``seq`` never goes back.

        ``meta`` (the generation counter) survives the drop, and a drop bumps it.

        Keeping the alert counter across a rebuild means a stream that resumes
        with an old ``Last-Event-ID`` gets the rebuilt alerts again (same ids,
        which clients de-duplicate) rather than silently missing them.
        """
        try:
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'alerts'").fetchone()
        except sqlite3.OperationalError:  # no AUTOINCREMENT table yet
            row = None
        last_seq = int(row[0]) if row else 0
        script = "BEGIN IMMEDIATE;\n" + (_DROP if drop else "") + _SCHEMA
        if last_seq:
            script += f"INSERT INTO sqlite_sequence (name, seq) VALUES ('alerts', {last_seq});\n"
        if drop:
            script += "UPDATE meta SET value = value + 1 WHERE key = 'generation';\n"
        script += f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
        conn.executescript(script)

    def close(self) -> None:
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for conn in pool:
            conn.close()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    # writes ------------------------------------------------------------------
    def apply(self, batch: Batch) -> Applied:
        upserted = deleted = ev_new = ev_dup = al_new = al_dup = 0
        calendars: set[str] = set()
        """Cases whose calendar the batch may change."""
        with self._writing("applying a batch") as conn:
            if batch.generation is not None:
                current = self._generation(conn)
                if batch.generation != current:
                    raise StaleBatchError(
                        f"batch of generation {batch.generation}, read model is at {current}"
                    )
            for case_id, state in batch.cases:
                if state is None:
                    conn.execute(
                        "DELETE FROM case_docs WHERE id = (SELECT id FROM cases WHERE case_id = ?)",
                        (case_id,),
                    )
                    deleted += conn.execute(
                        "DELETE FROM cases WHERE case_id = ?", (case_id,)
                    ).rowcount
                    continue
                r = case_row(state)
                row_id = conn.execute(
                    _UPSERT_CASE,
                    (
                        r.case_id, r.court_id, r.docket_number, r.status, r.disposition,
                        r.nature_of_suit, r.nos_folded, int(r.class_action), r.date_filed,
                        r.date_terminated, r.updated_at, r.case_name, r.sort_name, r.parties_text,
                        encode(case_summary(state)).decode(),
                    ),
                ).fetchone()[0]  # fmt: skip
                conn.execute(
                    "INSERT OR REPLACE INTO case_docs VALUES (?, ?)",
                    (row_id, zlib.compress(encode_snapshot(state), _ZLIB_LEVEL)),
                )
                upserted += 1
            for event in batch.events:
                rec = to_record(event)
                added = conn.execute(
                    "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.id, event.subject, rec.entry_key, rec.date.isoformat(),
                        rec.document_number, rec.sequence, event.type, encode_event(event).decode(),
                    ),
                ).rowcount  # fmt: skip
                ev_new += added
                ev_dup += 1 - added
                if self._place_entry(conn, event, rec):
                    calendars.add(event.subject)
            for case_id in sorted(calendars):
                _refresh_deadlines(conn, case_id)
            for alert in batch.alerts:
                # INSERT ... SELECT WHERE NOT EXISTS, not ON CONFLICT DO NOTHING: a
                # conflicting insert would still consume an AUTOINCREMENT value and
                # leave a gap in seq.
                added = conn.execute(
                    "INSERT INTO alerts (alert_id, case_id, court_id, type, alert_json) "
                    "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)",
                    (
                        alert.id, alert.data.case_id, alert.data.court_id, alert.type,
                        encode(alert).decode(), alert.id,
                    ),
                ).rowcount  # fmt: skip
                al_new += added
                al_dup += 1 - added
            conn.executemany(
                "INSERT INTO offsets VALUES (?, ?, ?) "
                "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                [(topic, part, off) for (topic, part), off in batch.offsets.items()],
            )
            # in the same transaction: a list's remembered count is of the version it was counted at
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'writes'")
        return Applied(upserted, deleted, ev_new, ev_dup, al_new, al_dup)

    @staticmethod
    def _place_entry(conn: sqlite3.Connection, event: DocketEvent, rec: EntryRecord) -> bool:
        """Make ``event`` its entry's timeline row if it is the better version.

        True when the case's calendar may change: the new row's words set a date,
        or the row it replaced did.
        """
        row = _timeline_row(rec)
        held = conn.execute(
            "SELECT rank, dated FROM timeline WHERE case_id = ? AND entry_key = ?",
            (event.subject, rec.entry_key),
        ).fetchone()
        if held is not None and held[0] >= row[1]:
            return False  # the fold keeps the held version (a redelivery, or a worse one)
        kind = entry_reading(event)
        dated = sets_dates(event)
        conn.execute(
            _UPSERT_TIMELINE,
            (event.subject, *row, kind.entry_class, kind.outcome, int(kind.milestone), int(dated)),
        )
        return dated or (held is not None and bool(held[1]))

    def reset(self) -> None:
        with self._write_lock, self._connection() as conn:
            try:
                self._recreate(conn, drop=True)
            except sqlite3.Error as exc:
                raise ReadModelError(f"reset failed on {self.path}: {exc}") from exc

    # reads -------------------------------------------------------------------
    def generation(self) -> int:
        with self._connection() as conn:
            return self._generation(conn)

    @staticmethod
    def _generation(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def offsets(self) -> dict[Position, int]:
        with self._connection() as conn:
            rows = conn.execute("SELECT topic, partition, next_offset FROM offsets").fetchall()
        return {(t, p): o for t, p, o in rows}

    def get_case(self, case_id: str) -> CaseSnapshot | None:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT d.snapshot_z FROM cases c JOIN case_docs d ON d.id = c.id WHERE c.case_id = ?",
                (case_id,),
            ).fetchone()
        return None if row is None else _snapshot(row[0], case_id)

    def timeline(
        self,
        case_id: str,
        after: TimelineKey | None,
        limit: int,
        *,
        classes: Sequence[EntryClass] = (),
    ) -> TimelineSlice:
        where = "t.case_id = ?"
        base: list[Any] = [case_id]
        if classes:
            where += f" AND t.entry_class IN ({_marks(len(classes))})"
            base += classes
        sql = (
            "SELECT e.event_json FROM timeline t JOIN events e ON e.event_id = t.event_id "
            f"WHERE {where}"
        )
        params = list(base)
        if after is not None:
            day, undocketed, doc, seq, key = after
            sql += f" AND ({_ORDER}) > (?, ?, ?, ?, ?)"
            params += [day.isoformat(), int(undocketed), doc, seq, key]
        sql += f" ORDER BY {_ORDER} LIMIT ?"
        params.append(limit + 1)
        with self._snapshot() as conn:
            rows = conn.execute(sql, params).fetchall()
            total = conn.execute(f"SELECT count(*) FROM timeline t WHERE {where}", base).fetchone()[
                0
            ]
        page = [(to_record(e), e) for e in (_event(r[0]) for r in rows[:limit])]
        nxt = order_key(page[-1][0]) if len(rows) > limit else None
        return TimelineSlice(tuple(page), nxt, total)

    def deadlines(self, case_id: str) -> tuple[CalendarItem, ...]:
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {_DEADLINE_COLUMNS} FROM deadlines d WHERE d.case_id = ?", (case_id,)
            ).fetchall()
        return tuple(sorted(map(_calendar_item, rows), key=calendar_order))

    def upcoming_deadlines(self, query: DeadlineQuery) -> DeadlinePage:
        where = ["d.date >= ?", "d.date <= ?"]
        params: list[Any] = [query.start.isoformat(), query.end.isoformat()]
        if query.statuses:
            where.append(f"d.status IN ({_marks(len(query.statuses))})")
            params += query.statuses
        counted_where, counted_params = list(where), list(params)
        if query.after is not None:
            day, time, case_id, key = query.after
            where.append("(d.date, d.time, d.case_id, d.key) > (?, ?, ?, ?)")
            params += [day.isoformat(), time, case_id, key]
        joined = "deadlines d JOIN cases c ON c.case_id = d.case_id"
        with self._snapshot() as conn:
            rows = conn.execute(
                f"SELECT d.case_id, c.case_name, c.court_id, c.status, {_DEADLINE_COLUMNS} "
                f"FROM {joined}{_where(where)} ORDER BY d.date, d.time, d.case_id, d.key LIMIT ?",
                [*params, query.limit + 1],
            ).fetchall()
            counted: int = conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {joined}{_where(counted_where)} LIMIT ?)",
                [*counted_params, COUNT_CAP + 1],
            ).fetchone()[0]
        items = tuple(
            _case_deadline(case_id, name, court, status, _calendar_item(rest))
            for case_id, name, court, status, *rest in rows[: query.limit]
        )
        nxt = items[-1].cursor if len(rows) > query.limit else None
        return DeadlinePage(items, nxt, min(counted, COUNT_CAP), counted <= COUNT_CAP)

    def milestones(self, query: MilestoneQuery) -> MilestonePage:
        where = ["t.milestone = 1"]
        params: list[Any] = []
        if query.case_id is not None:
            where.append("t.case_id = ?")
            params.append(query.case_id)
        if query.classes:
            where.append(f"t.entry_class IN ({_marks(len(query.classes))})")
            params += query.classes
        if query.before is not None:
            day, undocketed, doc, seq, case_id, key = query.before
            where.append(
                "(t.date, t.undocketed, t.document_number, t.sequence, t.case_id, t.entry_key) "
                "< (?, ?, ?, ?, ?, ?)"
            )
            params += [day.isoformat(), int(undocketed), doc, seq, case_id, key]
        newest_first = ", ".join(
            f"t.{c} DESC"
            for c in ("date", "undocketed", "document_number", "sequence", "case_id", "entry_key")
        )
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT t.case_id, c.case_name, c.court_id, c.status, t.entry_class, "
                "t.entry_outcome, e.event_json FROM timeline t "
                "JOIN cases c ON c.case_id = t.case_id JOIN events e ON e.event_id = t.event_id"
                f"{_where(where)} ORDER BY {newest_first} LIMIT ?",
                [*params, query.limit + 1],
            ).fetchall()
        items = []
        for case_id, name, court, status, entry_class, outcome, raw in rows[: query.limit]:
            event = _event(raw)
            items.append(
                Milestone(
                    case_id, name, court, status, entry_class, outcome, to_record(event), event
                )
            )
        nxt = items[-1].cursor if len(rows) > query.limit else None
        return MilestonePage(tuple(items), nxt)

    def list_cases(self, query: CaseQuery) -> CasePage:
        page = self.list_cases_json(query)
        return CasePage(
            items=tuple(_summary(raw) for raw in page.items_json),
            next=page.next,
            total=page.total,
            total_exact=page.total_exact,
        )

    def list_cases_json(self, query: CaseQuery) -> JsonCasePage:
        """``list_cases`` with each item the stored summary's JSON, as written (not decoded).

        Keyset pages straight off an index: non-null sort values first, then the nulls.

        Each part is its own statement (``col IS NOT NULL ... ORDER BY col, case_id``,
        then ``col IS NULL ... ORDER BY case_id``), so SQLite walks an index in
        order and stops after the page instead of sorting every match.
        """
        where, params = _filters(query)
        column = _SORT_COLUMN[query.sort]
        direction = "DESC" if query.descending else "ASC"
        op = "<" if query.descending else ">"
        source = _source(query)
        want = query.limit + 1
        after = query.after
        rows: list[tuple[str, str | None, str]] = []
        with self._snapshot() as conn:
            if after is None or after.value is not None:
                part_where, part_params = [*where, f"{column} IS NOT NULL"], list(params)
                if after is not None:
                    part_where.append(f"({column} {op} ? OR ({column} = ? AND case_id {op} ?))")
                    part_params += [after.value, after.value, after.case_id]
                rows += conn.execute(
                    f"SELECT case_id, {column}, summary_json FROM {source}{_where(part_where)} "
                    f"ORDER BY {column} {direction}, case_id {direction} LIMIT ?",
                    [*part_params, want],
                ).fetchall()
            if len(rows) < want:
                part_where, part_params = [*where, f"{column} IS NULL"], list(params)
                if after is not None and after.value is None:
                    part_where.append(f"case_id {op} ?")
                    part_params.append(after.case_id)
                rows += conn.execute(
                    f"SELECT case_id, NULL, summary_json FROM {source}{_where(part_where)} "
                    f"ORDER BY case_id {direction} LIMIT ?",
                    [*part_params, want - len(rows)],
                ).fetchall()
            counted = self._capped_count(conn, source, where, params)
        page = rows[: query.limit]
        nxt = None
        if len(rows) > query.limit:
            nxt = CaseCursor(query.sort, query.descending, page[-1][1], page[-1][0])
        return JsonCasePage(
            items_json=tuple(r[2] for r in page),
            next=nxt,
            total=min(counted, COUNT_CAP),
            total_exact=counted <= COUNT_CAP,
        )

    def _capped_count(
        self, conn: sqlite3.Connection, source: str, where: list[str], params: list[Any]
    ) -> int:
        """The filter's matches up to ``COUNT_CAP + 1``, remembered for the read model's version.

        Counting walks up to 10,001 index entries (a fifth of a list page's time at 1M
        cases), and every page of one listing asks the same. The version is
        ``meta``'s generation and write count, read in the caller's snapshot and bumped
        in the same transaction as every write (by any process sharing the file), so a
        remembered count is exact for the snapshot that reads it.
        """
        version = tuple(
            conn.execute(
                "SELECT value FROM meta WHERE key IN ('generation', 'writes') ORDER BY key"
            )
        )
        key = (version, source, *where, *params)
        with self._counts_lock:
            hit = self._counts.get(key)
        if hit is not None:
            return hit
        counted: int = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source}{_where(where)} LIMIT ?)",
            [*params, COUNT_CAP + 1],
        ).fetchone()[0]
        with self._counts_lock:
            if len(self._counts) >= _COUNTS_KEPT:
                self._counts.clear()
            self._counts[key] = counted
        return counted

    def case_events(self, case_id: str, *, until: dt.date | None = None) -> list[DocketEvent]:
        sql = "SELECT event_json FROM events WHERE case_id = ?"
        params: list[Any] = [case_id]
        if until is not None:
            sql += " AND date <= ?"
            params.append(until.isoformat())
        sql += (
            " ORDER BY date, document_number IS NULL, coalesce(document_number, 0),"
            " coalesce(sequence, 0), entry_key, event_id"
        )
        with self._connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_event(r[0]) for r in rows]

    def events_by_id(self, event_ids: Sequence[str]) -> dict[str, DocketEvent]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, DocketEvent] = {}
        with self._connection() as conn:
            for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
                rows = conn.execute(
                    f"SELECT event_id, event_json FROM events WHERE event_id IN ({_marks(len(chunk))})",
                    chunk,
                ).fetchall()
                found.update((i, _event(j)) for i, j in rows)
        return found

    def alerts_after(self, seq: int, filters: AlertFilter, limit: int) -> list[StoredAlert]:
        where, params = _alert_filters(filters)
        where.append("seq > ?")
        params.append(seq)
        return self._alerts(f"{_where(where)} ORDER BY seq ASC LIMIT ?", [*params, limit])

    def recent_alerts(
        self,
        filters: AlertFilter,
        *,
        before: int | None = None,
        since: int | None = None,
        limit: int,
    ) -> list[StoredAlert]:
        where, params = _alert_filters(filters)
        if before is not None:
            where.append("seq < ?")
            params.append(before)
        if since is not None:
            where.append("seq > ?")
            params.append(since)
        return self._alerts(f"{_where(where)} ORDER BY seq DESC LIMIT ?", [*params, limit])

    def _alerts(self, tail: str, params: list[Any]) -> list[StoredAlert]:
        with self._connection() as conn:
            rows = conn.execute(f"SELECT seq, alert_json FROM alerts{tail}", params).fetchall()
        return [
            StoredAlert(seq=seq, alert=_decoded(raw, decode_alert, f"alert (seq {seq})"))
            for seq, raw in rows
        ]

    def last_alert_seq(self) -> int:
        with self._connection() as conn:
            value = conn.execute("SELECT max(seq) FROM alerts").fetchone()[0]
        return int(value or 0)

    def stats(self) -> Stats:
        with self._snapshot() as conn:

            def grouped(column: str) -> dict[str, int]:
                sql = f"SELECT {column}, count(*) FROM cases WHERE {column} IS NOT NULL GROUP BY 1"
                return {k: n for k, n in conn.execute(sql)}

            total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            by_court_disp: dict[str, dict[str, int]] = {}
            for court, disp, n in conn.execute(
                "SELECT court_id, disposition, count(*) FROM cases "
                "WHERE disposition IS NOT NULL GROUP BY 1, 2"
            ):
                by_court_disp.setdefault(court, {})[disp] = n
            return Stats(
                total_cases=total,
                by_status=grouped("status"),
                by_disposition=grouped("disposition"),
                by_court=grouped("court_id"),
                dispositions_by_court=by_court_disp,
                per_month=merge_months(
                    grouped("substr(date_filed, 1, 7)"), grouped("substr(date_terminated, 1, 7)")
                ),
            )

    def counts(self) -> dict[str, int]:
        with self._snapshot() as conn:
            return {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("cases", "events", "alerts")
            }


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


def _source(q: CaseQuery) -> str:
    """``cases``, pinned to the index that serves the query's most selective equality filter in order.

    Courts are the most selective filter (~90 values), then dispositions, class
    action, status. Left to itself, SQLite (without ``ANALYZE`` statistics, or
    with them) sometimes takes a date range's index and sorts every match, or
    walks the status index through most of the table. The pinned indexes carry
    the other filter columns, so the rest of the filters (and the capped count)
    are checked on index entries; the row is read only for a page's items.
    """
    if q.terms:
        return "cases"  # the FTS match is the selective part
    if q.sort == "updated_at":
        if len(q.courts) == 1 and len(q.dispositions) == 1:
            return "cases INDEXED BY cases_court_disposition"
        for values, index in (
            (q.courts, "cases_court"),
            (q.dispositions, "cases_disposition"),
            ((q.class_action,) if q.class_action is not None else (), "cases_class_action"),
            (q.statuses, "cases_status"),
        ):
            if len(values) == 1:
                return f"cases INDEXED BY {index}"
    elif q.sort == "date_filed" and len(q.courts) == 1:
        return "cases INDEXED BY cases_court_filed"
    return "cases"


def _filters(q: CaseQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("status", q.statuses),
        ("disposition", q.dispositions),
        ("court_id", q.courts),
    ):
        if values:
            where.append(f"{column} IN ({_marks(len(values))})")
            params += values
    if q.nature_of_suit is not None:
        where.append("instr(nos_folded, ?) > 0")
        params.append(fold_text(q.nature_of_suit))
    if q.class_action is not None:
        where.append("class_action = ?")
        params.append(int(q.class_action))
    # With an equality filter, a date range on another column than the sort's is
    # written ``+column``: SQLite then walks the equality index in sort order and
    # checks the range on each entry, instead of taking the range's index and
    # sorting every match in a temp b-tree.
    ordered_by_equality = bool(
        q.statuses or q.dispositions or q.courts or q.class_action is not None
    )
    for column, lo, hi in (
        ("date_filed", q.filed_from, q.filed_to),
        ("date_terminated", q.terminated_from, q.terminated_to),
    ):
        term = f"+{column}" if ordered_by_equality and column != _SORT_COLUMN[q.sort] else column
        if lo is not None:
            where.append(f"{term} >= ?")
            params.append(lo.isoformat())
        if hi is not None:
            where.append(f"{term} <= ?")
            params.append(hi.isoformat())
    if q.terms:
        # Terms are runs of letters/digits only, so quoting them cannot inject FTS syntax.
        where.append("id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)")
        params.append(" ".join(f'"{t}"*' for t in q.terms))
    return where, params


def _alert_filters(f: AlertFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.case_id is not None:
        where.append("case_id = ?")
        params.append(f.case_id)
    if f.court is not None:
        where.append("court_id = ?")
        params.append(f.court)
    if f.types:
        where.append(f"type IN ({_marks(len(f.types))})")
        params += f.types
    return where, params


D = TypeVar("D")


def _decoded(raw: str | bytes, decode: Callable[[str | bytes], D], what: str) -> D:
    try:
        return decode(raw)
    except CodecError as exc:
        raise StoredDataError(
            f"a stored {what} no longer decodes (rebuild the read model): {exc}"
        ) from exc


def _snapshot(raw: bytes, case_id: str) -> CaseSnapshot:
    try:
        text = zlib.decompress(raw)
    except zlib.error as exc:
        raise StoredDataError(
            f"the stored state of {case_id} no longer decodes (rebuild the read model): {exc}"
        ) from exc
    return _decoded(text, decode_snapshot, "case")


_UPSERT_TIMELINE = (
    "INSERT INTO timeline VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (case_id, entry_key) DO UPDATE SET "
    "rank = excluded.rank, date = excluded.date, undocketed = excluded.undocketed, "
    "document_number = excluded.document_number, sequence = excluded.sequence, "
    "event_id = excluded.event_id, entry_class = excluded.entry_class, "
    "entry_outcome = excluded.entry_outcome, milestone = excluded.milestone, "
    "dated = excluded.dated WHERE excluded.rank > timeline.rank"
)
_ORDER = "t.date, t.undocketed, t.document_number, t.sequence, t.entry_key"
"""Event-time order of a case's timeline rows (:func:`services.core.evolve.order_key`)."""


def _refresh_deadlines(conn: sqlite3.Connection, case_id: str) -> None:
    """Recompute the case's calendar from its timeline's dated entries (entries that set
    no date add nothing to it), in docket order, and replace its rows."""
    entries = [
        DatedEntry(key, dt.date.fromisoformat(day), text)
        for key, day, text in conn.execute(
            "SELECT t.entry_key, t.date, json_extract(e.event_json, '$.data.entry.text') "
            "FROM timeline t JOIN events e ON e.event_id = t.event_id "
            f"WHERE t.case_id = ? AND t.dated = 1 ORDER BY {_ORDER}",
            (case_id,),
        )
    ]
    conn.execute("DELETE FROM deadlines WHERE case_id = ?", (case_id,))
    conn.executemany(
        "INSERT INTO deadlines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                case_id, i.key, i.date.isoformat(), time_key(i.time), i.kind, i.name, i.status,
                i.set_by, i.updated_by, i.text,
            )
            for i in calendar(entries)
        ],
    )  # fmt: skip


_DEADLINE_COLUMNS = (
    "d.key, d.kind, d.name, d.date, d.time, d.status, d.set_by, d.updated_by, d.text"
)


def _case_deadline(
    case_id: str, name: str | None, court: str, status: Status, item: CalendarItem
) -> CaseDeadline:
    return CaseDeadline(
        case_id=case_id,
        case_name=name,
        court_id=court,
        case_status=status,
        key=item.key,
        kind=item.kind,
        name=item.name,
        date=item.date,
        time=item.time,
        status=item.status,
        set_by=item.set_by,
        updated_by=item.updated_by,
        text=item.text,
    )


def _calendar_item(row: Sequence[Any]) -> CalendarItem:
    key, kind, name, day, time, status, set_by, updated_by, text = row
    return CalendarItem(
        key=key,
        kind=kind,
        name=name,
        date=dt.date.fromisoformat(day),
        time=dt.time.fromisoformat(time) if time else None,
        status=status,
        set_by=set_by,
        updated_by=updated_by,
        text=text,
    )


_NO_TIME = "0001-01-01T00:00:00.000000"


def _rank_key(record: EntryRecord) -> str:
    """:func:`services.core.evolve.rank` as a string that sorts the same way.

    (not a stub, source time as a UTC instant, event id): the first two parts
    have a fixed width, so comparing strings compares the tuples.
    """
    not_stub, time, event_id = rank(record)
    return f"{int(not_stub)}{utc_key(time) if record.time is not None else _NO_TIME}{event_id}"


def _timeline_row(r: EntryRecord) -> tuple[str, str, str, int, int, int, str]:
    day, undocketed, doc, seq, key = order_key(r)
    return (key, _rank_key(r), day.isoformat(), int(undocketed), doc, seq, r.event_id)


def _summary(raw: str) -> CaseSummary:
    try:
        return _SUMMARY.validate_json(raw)
    except ValidationError as exc:
        raise StoredDataError(
            f"a stored case summary no longer decodes (rebuild the read model): {exc}"
        ) from exc


def _event(raw: str) -> DocketEvent:
    return _decoded(raw, decode_event, "event")
